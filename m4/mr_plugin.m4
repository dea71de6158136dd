# SPDX-License-Identifier: MIT
# MR_PLUGIN(NAME, DEPENDENCY-CHECK): declares a plugin with a configure switch
# --enable-plugin-NAME=yes|no|auto.  DEPENDENCY-CHECK is shell code that sets
# mr_ok=no and mr_why="..." when a dependency is missing.  Defines the automake
# conditional BUILD_PLUGIN_<NAME> and adds a row to the closing summary.
AC_DEFUN([MR_PLUGIN], [
  AC_ARG_ENABLE([plugin-$1],
    AS_HELP_STRING([--enable-plugin-$1=yes|no|auto], [build the $1 plugin (default: auto)]),
    [mr_want=$enableval], [mr_want=auto])
  AS_CASE([$mr_want], [yes|no|auto], [],
    [AC_MSG_ERROR([--enable-plugin-$1 takes yes, no or auto, not '$mr_want'])])
  mr_ok=yes
  mr_why=
  AS_IF([test "x$mr_want" = xno], [mr_ok=no; mr_why="disabled by --enable-plugin-$1=no"], [$2])
  AS_IF([test "x$mr_want" = xyes && test "x$mr_ok" = xno],
    [AC_MSG_ERROR([plugin $1 was required (--enable-plugin-$1=yes) but $mr_why])])
  AM_CONDITIONAL(m4_translit([BUILD_PLUGIN_$1], [a-z-], [A-Z_]), [test "x$mr_ok" = xyes])
  AS_IF([test "x$mr_ok" = xyes], [mr_built_plugins="$mr_built_plugins $1"])
  mr_summary="$mr_summary
  m4_format([%-24s], [$1]) $mr_ok${mr_why:+ ($mr_why)}"
])

# MR_PKG_DEP(VAR, MODULES): a pkg-config dependency check for MR_PLUGIN.
AC_DEFUN([MR_PKG_DEP], [
  PKG_CHECK_MODULES([$1], [$2], [], [mr_ok=no; mr_why="$2 not found (pkg-config)"])
])
