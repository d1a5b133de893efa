// Kills a process (and its process group, when it leads one) if the test process that started it dies
// without cleaning up, for example when the test runner kills a file that timed out. Started by
// lib/server.js here and by the browser tests' lib/browser.js.
const [parentPid, childPid] = process.argv.slice(2).map(Number);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const timer = setInterval(() => {
  if (!alive(childPid)) {
    clearInterval(timer);
    return;
  }
  if (!alive(parentPid)) {
    try {
      process.kill(-childPid, 'SIGKILL');
    } catch {
      try {
        process.kill(childPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    clearInterval(timer);
  }
}, 500);
