// Preloaded into the Azurite process (node --require) by the screening command and the tests: the emulator exits when
// the process that started it is gone, even if that process died without stopping it (a crash, an abort, SIGKILL of
// the parent alone), and removes the temporary data folder it was given, so nothing is left running or behind.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');

const parent = process.ppid;
const data = process.env.SCREENING_AZURITE_DATA;

function orphaned() {
  return process.ppid !== parent;
}

function removeData() {
  // Only ever a folder the screening command created under the temporary directory.
  if (data && path.dirname(data) === path.resolve(os.tmpdir()) && path.basename(data).startsWith('screening-azurite-')) {
    try {
      fs.rmSync(data, { recursive: true, force: true });
    } catch {
      // Best effort: the folder is in the temporary directory either way.
    }
  }
}

// The parent's death may also end the emulator some other way first (a write to its closed output pipe).
process.on('exit', () => {
  if (orphaned()) {
    removeData();
  }
});

setInterval(() => {
  if (orphaned()) {
    process.exit(0);
  }
}, 1000).unref();
