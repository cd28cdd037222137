# CMake toolchain for 64-bit Windows with Debian's mingw-w64 (gcc-mingw-w64-x86-64).
# Used by scripts/windows-deps (the dependencies) and by 'make windows' (tlsdiag.exe).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(TLSD_MINGW_HOST x86_64-w64-mingw32)

set(CMAKE_C_COMPILER ${TLSD_MINGW_HOST}-gcc)
set(CMAKE_CXX_COMPILER ${TLSD_MINGW_HOST}-g++)
set(CMAKE_RC_COMPILER ${TLSD_MINGW_HOST}-windres)
set(CMAKE_AR ${TLSD_MINGW_HOST}-ar)
set(CMAKE_RANLIB ${TLSD_MINGW_HOST}-ranlib)

# Look for headers and libraries only in the mingw sysroot and the dependency prefix,
# programs (python3, flex, bison) only on the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/${TLSD_MINGW_HOST})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
