#!/usr/bin/env node
// The installed command. A committed file (the build output is not there when npm links bins at install time).
import "../dist/src/main.js";
