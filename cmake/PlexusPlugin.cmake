# plexus_add_plugin(NAME name SOURCES ... [LIBS ...])
# A plugin is a MODULE library that links the SDK (libplexus_core) and exports plexus_plugin_v1.
# It lands in <build>/lib/plexus/plugins and installs to <prefix>/lib/plexus/plugins.
function(plexus_add_plugin)
  cmake_parse_arguments(P "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_library(${P_NAME} MODULE ${P_SOURCES})
  target_link_libraries(${P_NAME} PRIVATE plexus::core ${P_LIBS})
  set_target_properties(${P_NAME} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME "plexus-${P_NAME}"
    LIBRARY_OUTPUT_DIRECTORY ${PLEXUS_PLUGIN_OUTPUT_DIR}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    BUILD_RPATH "\$ORIGIN/../.."
    INSTALL_RPATH "\$ORIGIN/../..")
  install(TARGETS ${P_NAME} LIBRARY DESTINATION ${PLEXUS_PLUGIN_INSTALL_DIR})
endfunction()
