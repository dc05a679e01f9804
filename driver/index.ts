/**
 * nicsim/driver — the host side: a small kernel (interrupt controller, softirq/NAPI, DMA
 * allocator, CPU costs), the e1000 driver (hardware-access layer + netdev glue, lifecycle machine),
 * the network-device interface the stack uses, and register-sequence testing.
 * @module
 */

// kernel
export { Kernel, type KernelOptions, type KernelTimer } from './kernel/kernel.js';
export { Cpu, type CpuCosts } from './kernel/cpu.js';
export { InterruptController, type InterruptControllerOptions, type IrqSource, type IrqReturn, type IrqHandler, type IrqStats } from './kernel/irq.js';
export { Softirq, Napi, type SoftirqOptions, type PollFn, type NapiStats } from './kernel/softirq.js';
export { DmaAllocator, type DmaAllocatorOptions, type DmaBuffer } from './kernel/dma.js';

// the e1000 driver
export { E1000, E1000_BUFFER_SIZE, e1000DmaBytes, E1000_MIN_MTU, E1000_MAX_MTU, IMS_ENABLE_MASK, type E1000Device, type E1000Options, type E1000Counters, type RingIndexes } from './e1000.js';
export { E1000Hw, emptyHwStats, mtaHashMo0, EEPROM_WORDS, EEPROM_SUM, PHY_ADDR, PHY_REG, RAR_ENTRIES, MTA_REGS, type Bar0, type E1000HwOptions, type HwStats, type HwStatName, type HwLink } from './e1000_hw.js';
export { e1000Lifecycle, lifecycleStateName, type LifecycleEvent, type LifecycleContext, type LifecycleState } from './lifecycle.js';
export { DriverError, type DriverErrorCode } from './errors.js';

// the stack's view
export { NetDeviceListeners, type NetDevice, type NetDevStats, type LinkState, type TransmitResult } from './netdev.js';

// register-sequence testing
export {
  RegisterTrace, RegisterSequenceError, recordRegisters, matchRegisterSequence, assertRegisterSequence, formatRegAccess, formatRegisterTrace,
  type RegAccess, type RecordOptions, type MatchOptions, type RegMatchResult,
} from './regtrace.js';
