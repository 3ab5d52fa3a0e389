// Preloaded into the Azurite process (node --require) by the screening command and the tests: the emulator exits when
// the process that started it is gone, even if that process died without stopping it (a crash, an abort, SIGKILL of
// the parent alone), and removes the temporary data folder it was given, so nothing is left running or behind.
// The watch runs on a worker thread: the emulator's own event loop can be busy for minutes under load.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Worker, isMainThread, workerData } = require('worker_threads');

// Only ever a folder the screening command created under the temporary directory.
function isOwnData(data) {
  return Boolean(data) && path.dirname(data) === path.resolve(os.tmpdir()) && path.basename(data).startsWith('screening-azurite-');
}

function removeData(data) {
  if (isOwnData(data)) {
    try {
      fs.rmSync(data, { recursive: true, force: true, maxRetries: 5 });
    } catch {
      // Best effort: the folder is in the temporary directory either way.
    }
  }
}

// While the emulator runs, its main thread may still write into the folder (a store flush) as the folder is removed,
// which would leave it behind: a detached process removes it once this process is gone.
function removeDataAfterExit(data) {
  if (isOwnData(data)) {
    const script = `const fs = require('fs');
const alive = () => { try { process.kill(${process.pid}, 0); return true; } catch { return false; } };
const timer = setInterval(() => {
  if (!alive()) {
    clearInterval(timer);
    try { fs.rmSync(${JSON.stringify(data)}, { recursive: true, force: true, maxRetries: 5 }); } catch { }
  }
}, 50);`;
    require('child_process').spawn(process.execPath, ['-e', script], { detached: true, stdio: 'ignore' }).unref();
  }
}

if (isMainThread) {
  // The parent names itself: had it died before this script ran, process.ppid would already be the reaper's.
  const named = Number.parseInt(process.env.SCREENING_AZURITE_PARENT ?? '', 10);
  const watch = { parent: Number.isInteger(named) ? named : process.ppid, data: process.env.SCREENING_AZURITE_DATA, screeningWatch: true };
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
      removeDataAfterExit(workerData.data);
      process.kill(process.pid, 'SIGKILL');
    }
  }, 1000);
}
