// Task module of the bundled app's thread-mode pool (runs in a Web Worker).
export function square(x) { return x * x; }
export async function slowEcho(ms, value) {
  await new Promise((r) => setTimeout(r, ms));
  return value;
}
