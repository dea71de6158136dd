# SPDX-License-Identifier: MIT
# Documentation: the plugin guide and the ABI history.
EXTRA_DIST += doc/plugin-guide.md doc/plugin-abi.md
