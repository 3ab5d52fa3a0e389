// Preloaded into the Azurite process (node --require) by the screening command and the tests: the emulator exits when
// the process that started it is gone, even if that process died without stopping it (a crash, an abort, SIGKILL of
// the parent alone), and removes the temporary data folder it was given, so nothing is left running or behind.
// The watch runs on a worker thread: the emulator's own event loop can be busy for minutes under load.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Worker, isMainThread, workerData } = require('worker_threads');

function removeData(data) {
  // Only ever a folder the screening command created under the temporary directory.
  if (data && path.dirname(data) === path.resolve(os.tmpdir()) && path.basename(data).startsWith('screening-azurite-')) {
    try {
      fs.rmSync(data, { recursive: true, force: true });
    } catch {
      // Best effort: the folder is in the temporary directory either way.
    }
  }
}

if (isMainThread) {
  const watch = { parent: process.ppid, data: process.env.SCREENING_AZURITE_DATA, screeningWatch: true };
  new Worker(__filename, { workerData: watch }).unref();

  // The parent's death may also end the emulator some other way first (a write to its closed output pipe).
  process.on('exit', () => {
    if (process.ppid !== watch.parent) {
      removeData(watch.data);
    }
  });
} else if (workerData && workerData.screeningWatch) {
  setInterval(() => {
    if (process.ppid !== workerData.parent) {
      removeData(workerData.data);
      process.kill(process.pid, 'SIGKILL');
    }
  }, 1000);
}
