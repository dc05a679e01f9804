/**
 * The adapter's internal PHY: clause-22 registers reached through MDIC, link setup by
 * auto-negotiation or forcing (an xstate machine on simulated time), and the link signal it puts
 * on the medium. The PHY tells its owner (the adapter) when the link goes up or down.
 * @module
 */
import type { Actor } from 'xstate';
import type { Simulator } from '../../sim/simulator.js';
import { MS, type Nanos } from '../../sim/time.js';
import { startSimActor, nsToXstateMs } from '../../sim/xstate.js';
import { RegisterFile, getField } from '../registers/engine.js';
import type { Duplex, LinkSignal, MediumLink, Speed } from '../medium/types.js';
import { phyLinkMachine, resolveLink, type LinkMode } from './link.js';
import { ANAR, ANER, ANLPAR, BMCR, BMSR, GTCR, GTSR, PHY_REGISTERS, PHY_REGS_SIZE, PSSR, RXERR, phyOffset } from './registers.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** A PHY's link went up or down. */
    'phy.link': { up: boolean; speed?: Speed; duplex?: Duplex; via?: LinkMode['via'] };
  }
}

/** PHY timing options. */
export interface PhyOptions {
  /** Time from the start of auto-negotiation to link up (default 1.5 s, typical of copper PHYs). */
  autonegNs?: Nanos;
  /** Time for a forced-mode link to come up (default 10 ms). */
  forcedLinkNs?: Nanos;
}

/** The internal PHY. */
export class Phy {
  /** The clause-22 register file (register n at offset n × 4). */
  readonly regs: RegisterFile;
  /** The current link mode, or null while the link is down. */
  link: LinkMode | null = null;
  /** Called whenever the link goes up or down. */
  onLinkChange: (mode: LinkMode | null) => void = () => {};
  private medium: MediumLink | null = null;
  private partner: LinkSignal | null = null;
  /** What this PHY advertised when the current negotiation started (what the partner resolves against). */
  private advertised: LinkSignal | null = null;
  private latchedLink = false;
  private held = false;
  private readonly actor: Actor<typeof phyLinkMachine>;
  private readonly autonegNs: Nanos;
  private readonly forcedLinkNs: Nanos;
  private readonly msSeed: number;

  constructor(
    private readonly sim: Simulator,
    /** Trace source name. */
    readonly name: string,
    opts: PhyOptions = {},
  ) {
    this.autonegNs = opts.autonegNs ?? 1500 * MS;
    this.forcedLinkNs = opts.forcedLinkNs ?? 10 * MS;
    this.msSeed = sim.rng(`${name}.master-slave`).nextU32();
    this.regs = new RegisterFile(PHY_REGISTERS, PHY_REGS_SIZE, sim.trace, name, () => sim.now);
    this.regs.onWrite(BMCR, (_now, _inst, written, old) => this.bmcrWritten(written, old));
    this.regs.onRead(BMSR, (_inst, stored) => (this.latchedLink ? stored | BMSR.f.LINK_ST.mask : stored & ~BMSR.f.LINK_ST.mask));
    const machine = phyLinkMachine.provide({
      actions: {
        advertise: () => {
          this.clearResolution();
          this.advertised = this.signal();
          this.medium?.signal(this.advertised);
        },
        silence: () => this.medium?.signal(null),
        linkUp: () => this.linkUp(),
        linkDown: () => this.linkDown(),
      },
      guards: {
        hasEnergy: () => this.partner !== null && this.medium !== null,
        resolvable: () => this.resolve() !== null,
      },
      delays: {
        SETUP: () => nsToXstateMs(this.anEnabled ? this.autonegNs : this.forcedLinkNs),
      },
    });
    this.actor = startSimActor(sim, machine, name);
  }

  /** The link machine's state (`off`, `down`, `negotiating`, `up`). */
  get state(): string {
    const v = this.actor.getSnapshot().value;
    return typeof v === 'string' ? v : Object.keys(v)[0];
  }

  private get anEnabled(): boolean {
    return (this.regs.get(BMCR) & BMCR.f.ANENABLE.mask) !== 0;
  }

  /** The signal this PHY emits: its advertisement or its forced mode. */
  signal(): LinkSignal {
    const bmcr = this.regs.get(BMCR);
    const msb = bmcr & BMCR.f.SPEED_MSB.mask;
    const lsb = bmcr & BMCR.f.SPEED_LSB.mask;
    const speed: Speed = msb ? 1000 : lsb ? 100 : 10;
    return { autoneg: this.anEnabled, anar: this.regs.get(ANAR), gtcr: this.regs.get(GTCR), speed, duplex: bmcr & BMCR.f.DUPLEX.mask ? 'full' : 'half', msSeed: this.msSeed };
  }

  private resolve(): LinkMode | null {
    if (this.partner === null || this.medium === null) return null;
    return resolveLink(this.advertised ?? this.signal(), this.partner, this.medium.maxSpeed);
  }

  /** Medium attachment changed (plugged into a link, or unplugged with null). */
  plugged(link: MediumLink | null): void {
    this.medium = link;
    if (link === null) {
      this.partner = null;
      this.actor.send({ type: 'NO_ENERGY' });
    } else if (this.state !== 'off') {
      link.signal(this.signal());
    }
  }

  /** The partner's signal started/restarted (or vanished with null). */
  partnerSignal(sig: LinkSignal | null): void {
    this.partner = sig;
    this.actor.send({ type: sig === null ? 'NO_ENERGY' : 'ENERGY' });
  }

  /** Holds the PHY in reset (CTRL.PHY_RST) or releases it (registers back to defaults, link setup restarts). */
  setHardReset(on: boolean): void {
    if (on === this.held) return;
    this.held = on;
    if (on) this.actor.send({ type: 'POWER_OFF' });
    else {
      this.regs.reset();
      if (!this.poweredDown()) this.powerOn();
    }
    this.onLinkChange(this.link); // a loopback link (BMCR.LOOPBACK) ends with the reset
  }

  private poweredDown(): boolean {
    return (this.regs.get(BMCR) & BMCR.f.PDOWN.mask) !== 0;
  }

  private powerOn(): void {
    this.actor.send({ type: 'POWER_ON' });
    if (this.state === 'down') this.medium?.signal(this.signal());
  }

  /**
   * The link the MAC sees while BMCR.LOOPBACK is set (and the PHY is powered and out of reset):
   * the BMCR speed selection, full duplex, whatever the wire does; null otherwise. What the MAC
   * sends then comes straight back to it and nothing reaches the wire.
   */
  get loopback(): LinkMode | null {
    const bmcr = this.regs.get(BMCR);
    if (!(bmcr & BMCR.f.LOOPBACK.mask) || this.held || this.poweredDown()) return null;
    const speed: Speed = bmcr & BMCR.f.SPEED_MSB.mask ? 1000 : bmcr & BMCR.f.SPEED_LSB.mask ? 100 : 10;
    return { speed, duplex: 'full', via: 'forced' };
  }

  /** MDIO read of register `n` (0..31). */
  mdioRead(n: number): number {
    const v = this.regs.read(phyOffset(n & 31)) & 0xffff;
    if ((n & 31) === 1) this.latchedLink = this.link !== null;
    return v;
  }

  /** MDIO write of register `n` (0..31). */
  mdioWrite(n: number, value: number): void {
    this.regs.write(phyOffset(n & 31), value & 0xffff);
  }

  /** Counts a symbol error in the receive error counter (saturating). */
  countSymbolError(): void {
    const v = this.regs.get(RXERR);
    if (v < 0xffff) this.regs.set(RXERR, v + 1);
  }

  private bmcrWritten(written: number, old: number): void {
    const loopbackChanged = ((this.regs.get(BMCR) ^ old) & (BMCR.f.LOOPBACK.mask | BMCR.f.SPEED_MSB.mask | BMCR.f.SPEED_LSB.mask)) !== 0 || (written & BMCR.f.RESET.mask) !== 0;
    const wasLoopback = (old & BMCR.f.LOOPBACK.mask) !== 0;
    this.bmcrApply(written, old);
    if (loopbackChanged && (wasLoopback || (this.regs.get(BMCR) & BMCR.f.LOOPBACK.mask) !== 0)) this.onLinkChange(this.link);
  }

  private bmcrApply(written: number, old: number): void {
    if (written & BMCR.f.RESET.mask) {
      this.regs.reset(); // RESET self-clears with the rest of the registers
      if (!this.held) this.actor.send({ type: 'RESTART' });
      return;
    }
    const now = this.regs.get(BMCR);
    const restartBits = BMCR.f.ANENABLE.mask | BMCR.f.SPEED_LSB.mask | BMCR.f.SPEED_MSB.mask | BMCR.f.DUPLEX.mask;
    const pdownChanged = ((now ^ old) & BMCR.f.PDOWN.mask) !== 0;
    if (written & BMCR.f.ANRESTART.mask) this.regs.clearBits(BMCR, BMCR.f.ANRESTART.mask);
    if (pdownChanged && !this.held) {
      if (now & BMCR.f.PDOWN.mask) this.actor.send({ type: 'POWER_OFF' });
      else this.powerOn();
      return;
    }
    if ((written & BMCR.f.ANRESTART.mask && this.anEnabled) || ((now ^ old) & restartBits) !== 0) this.actor.send({ type: 'RESTART' });
  }

  private clearResolution(): void {
    this.regs.clearBits(BMSR, BMSR.f.AN_COMP.mask);
    this.regs.set(ANLPAR, 0);
    this.regs.set(GTSR, 0);
    this.regs.clearBits(ANER, ANER.f.LP_AN_ABLE.mask | ANER.f.PAGE_RX.mask);
  }

  private linkUp(): void {
    const mode = this.resolve();
    if (mode === null) return; // guarded by `resolvable`; unreachable
    this.link = mode;
    const p = this.partner!;
    if (mode.via === 'autoneg') {
      this.regs.setBits(BMSR, BMSR.f.AN_COMP.mask);
      this.regs.set(ANLPAR, (p.anar | ANLPAR.f.ACK.mask) & 0xffff);
      this.regs.setBits(ANER, ANER.f.LP_AN_ABLE.mask | ANER.f.PAGE_RX.mask);
      let gtsr = 0;
      if (p.gtcr & GTCR.f.HD1000.mask) gtsr |= GTSR.f.LP_HD1000.mask;
      if (p.gtcr & GTCR.f.FD1000.mask) gtsr |= GTSR.f.LP_FD1000.mask;
      if (mode.speed === 1000) gtsr |= GTSR.f.LOCAL_RX.mask | GTSR.f.REMOTE_RX.mask | (this.isMaster(p) ? GTSR.f.MS_RES.mask : 0);
      this.regs.set(GTSR, gtsr);
    } else if (this.anEnabled) {
      this.regs.setBits(BMSR, BMSR.f.AN_COMP.mask); // parallel detection completes negotiation
    }
    const speedCode = mode.speed === 1000 ? 2 : mode.speed === 100 ? 1 : 0;
    this.regs.set(PSSR, PSSR.f.LINK.mask | PSSR.f.RESOLVED.mask | (mode.duplex === 'full' ? PSSR.f.DUPLEX.mask : 0) | (speedCode << PSSR.f.SPEED.lsb));
    // BMSR.LINK_ST is not set here: a latched failure stays visible until software reads BMSR.
    if (this.sim.trace.active) this.sim.trace.emit('phy.link', this.name, { up: true, speed: mode.speed, duplex: mode.duplex, via: mode.via });
    this.onLinkChange(mode);
  }

  private isMaster(p: LinkSignal): boolean {
    const mine = this.regs.get(GTCR);
    if (getField(mine, GTCR.f.MS_ENABLE)) return getField(mine, GTCR.f.MS_VALUE) === 1;
    if (getField(p.gtcr, GTCR.f.MS_ENABLE)) return getField(p.gtcr, GTCR.f.MS_VALUE) === 0;
    // Both automatic: the multi-port (PORT_TYPE) side is master; a tie is broken by the seeds
    // both sides exchanged (drawn from each PHY's seeded random stream).
    const a = getField(mine, GTCR.f.PORT_TYPE);
    const b = getField(p.gtcr, GTCR.f.PORT_TYPE);
    if (a !== b) return a === 1;
    return this.msSeed >= p.msSeed;
  }

  private linkDown(): void {
    this.link = null;
    this.latchedLink = false;
    this.regs.clearBits(PSSR, PSSR.f.LINK.mask | PSSR.f.RESOLVED.mask);
    if (this.sim.trace.active) this.sim.trace.emit('phy.link', this.name, { up: false });
    this.onLinkChange(null);
  }
}
