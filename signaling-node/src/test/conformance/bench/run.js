// Entry point shared by the benchmarks: a process started with --worker runs `worker`, any other runs `main`
// under a deadline, so that a stuck benchmark ends by itself.
export function runBenchmark({ main, worker, minutes }) {
  if (process.argv.includes('--worker')) {
    worker();
    return;
  }
  const deadline = setTimeout(() => {
    console.error(`benchmark still running after ${minutes} minutes: giving up`);
    process.exit(2);
  }, minutes * 60_000);
  deadline.unref();
  main()
    .then(() => process.exit(0))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
