#!/usr/bin/env node
// The package's command. A file outside dist/, so that installing the workspace before it is built
// links the command instead of warning that its target is missing.
import "../dist/cli/bin.js";
