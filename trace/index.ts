/**
 * nicsim/trace — views of the trace bus.
 * @module
 */
export { describeEvent, formatEvent, hexBytes } from './text.js';
