# adsim_library(<folder> <dependencies>...): the library adsim::<folder> from every .cpp in the
# folder (globbed, so parts can be added without editing CMake), or a header-only interface
# library while the folder has no sources. It is installed with its headers (under
# include/adsim/<folder>/, included as "<folder>/x.hpp") into the export set adsimTargets, where
# it is adsim::<folder> as in this build.
function(adsim_library folder)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(sources)
    add_library(adsim_${folder} STATIC ${sources})
    set(scope PUBLIC)
  else()
    add_library(adsim_${folder} INTERFACE)
    set(scope INTERFACE)
  endif()
  add_library(adsim::${folder} ALIAS adsim_${folder})
  target_link_libraries(adsim_${folder} ${scope} adsim::options ${ARGN})

  set_target_properties(adsim_${folder} PROPERTIES EXPORT_NAME ${folder})
  file(GLOB headers CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.hpp)
  install(TARGETS adsim_${folder} EXPORT adsimTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT devel)
  install(FILES ${headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/adsim/${folder} COMPONENT devel)
endfunction()
