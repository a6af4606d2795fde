# Run by CPack (CPACK_PRE_BUILD_SCRIPTS) on its staging tree, before it
# builds the .deb: Debian ships man pages and the changelog compressed with
# gzip -9n (no name, no time stamp: the same bytes every build).
file(GLOB_RECURSE pages "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*/share/man/man*/*.[0-9]")
file(GLOB_RECURSE changelogs "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*/share/doc/*/changelog")
foreach(f IN LISTS pages changelogs)
  execute_process(COMMAND gzip -9nf "${f}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip -9n ${f} failed")
  endif()
endforeach()
