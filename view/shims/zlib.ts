/**
 * What the browser build of nicsim gets for `node:zlib`: only `crc32`, table-driven (the simulator
 * core uses nothing else of zlib).
 * @module
 */
export { crc32 } from '../../hw/mac/crc32.js';
