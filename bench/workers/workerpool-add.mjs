// The same tasks for workerpool (thread and process worker types).
import workerpool from 'workerpool';
workerpool.worker({
  add: (a, b) => a + b,
});
