#!/bin/sh
# SPDX-License-Identifier: MIT
# Generates ./configure and the Makefile templates from a fresh checkout.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
autoreconf --force --install --warnings=all
echo "Now run ./configure (see ./configure --help for the plugin switches)."
