# Compiler flags shared by every target, and the sanitizer switch.
find_program(PLEXUS_CCACHE ccache)
if(PLEXUS_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER ${PLEXUS_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${PLEXUS_CCACHE})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${PLEXUS_CCACHE})
endif()

add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-Wall;-Wextra;-Wno-unused-parameter>")

if(PLEXUS_SANITIZE)
  set(PLEXUS_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
                             -fno-sanitize-recover=undefined)
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX,C>:${PLEXUS_SANITIZER_FLAGS}>")
  add_link_options("$<$<LINK_LANGUAGE:CXX,C>:${PLEXUS_SANITIZER_FLAGS}>")
endif()
