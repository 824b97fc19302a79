# Installing adsim (cmake --install BUILD [--prefix DIR]) and packaging it (cpack -G DEB).
# Included at the end of the root CMakeLists.txt, once every target exists. See docs/installing.md.
#
#   <prefix>/bin/adsim, bin/adsim-gui (when built)                    component runtime
#   <prefix>/share/adsim/scenarios/*.toml  (scenarios/CMakeLists.txt)  component runtime
#   <prefix>/share/doc/adsim/ README.md LICENSE CHANGELOG.md docs/*.md component runtime
#   <prefix>/include/adsim/<folder>/*.hpp, lib/libadsim_<folder>.a     component devel
#   <prefix>/lib/cmake/adsim/adsimConfig.cmake ...                     component devel
#
# The programs' install rules live beside them (cli/, gui/), the libraries' in adsim_library().
# Tests, benchmarks and fuzzers are not installed.
include(CMakePackageConfigHelpers)

install(FILES README.md LICENSE CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
file(GLOB adsim_docs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
# Under docs/ again, so the README's links (docs/gui.md ...) still lead somewhere.
install(FILES ${adsim_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs COMPONENT runtime)

# --- the CMake package: find_package(adsim) and the adsim:: targets --------------------------------
set(ADSIM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/adsim)
install(EXPORT adsimTargets NAMESPACE adsim:: DESTINATION ${ADSIM_INSTALL_CMAKEDIR} COMPONENT devel)

# What adsimConfig.cmake must find before the targets load: what this build linked them with.
set(ADSIM_CONFIG_WITH_MPI ${ADSIM_MPI_FOUND})
set(ADSIM_CONFIG_WITH_CHARTS OFF)
set(ADSIM_CONFIG_QT_COMPONENTS "")
if(TARGET adsim_charts)
  set(ADSIM_CONFIG_WITH_CHARTS ON)
  get_property(ADSIM_CONFIG_QT_COMPONENTS GLOBAL PROPERTY ADSIM_CHARTS_QT_COMPONENTS)
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/adsimConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/adsimConfig.cmake
                              INSTALL_DESTINATION ${ADSIM_INSTALL_CMAKEDIR})
# 0.x: a new minor version may change the libraries' interfaces.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/adsimConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/adsimConfig.cmake ${PROJECT_BINARY_DIR}/adsimConfigVersion.cmake
        DESTINATION ${ADSIM_INSTALL_CMAKEDIR} COMPONENT devel)

# --- cpack -G DEB: one package, adsim, with everything above under /usr -----------------------------
set(ADSIM_PACKAGE_MAINTAINER "the adsim authors <maintainers@adsim.invalid>"
    CACHE STRING "Maintainer field of the Debian package (Name <email>)")
set(CPACK_PACKAGE_NAME adsim)
set(CPACK_PACKAGE_VENDOR "the adsim authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_RESOURCE_FILE_README ${PROJECT_SOURCE_DIR}/README.md)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # adsim_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ADSIM_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# CPack puts CPACK_PACKAGE_DESCRIPTION_SUMMARY on the first line (the synopsis); this is the rest.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "adsim simulates an ads marketplace: users make ad requests, an ad server ranks ads through a
selection funnel (retrieval, pre-ranking, a learned click model, pacing, auction), a hidden ground
truth decides what users do, and every run records revenue and the counter-metrics that tell
whether ads hurt the platform, in SQLite. The package holds the adsim command, the adsim-gui
desktop app (when built with Qt), the bundled lesson scenarios, the documentation, and the
static libraries with their headers and CMake package (find_package(adsim)).")
# The shared libraries the programs link (Boost, Qt, SQLite, Open MPI ...) become Depends through
# dpkg-shlibdeps (package dpkg-dev; CPack also needs `file`). Using the libraries from CMake needs
# their development packages too.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "libboost-dev, libeigen3-dev, libsqlitecpp-dev, libtomlplusplus-dev, libspdlog-dev, nlohmann-json3-dev, libxgboost-dev, pkg-config")
include(CPack)
