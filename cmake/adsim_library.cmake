# adsim_library(<folder> <dependencies>...): the library adsim::<folder> from every .cpp in the
# folder (globbed, so parts can be added without editing CMake), or a header-only interface
# library while the folder has no sources.
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
endfunction()
