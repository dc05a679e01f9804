/**
 * Link setup: auto-negotiation resolution (IEEE 802.3 clause 28, with parallel detection of
 * forced 10/100 partners) and the PHY link state machine (xstate).
 * @module
 */
import { setup } from 'xstate';
import type { Duplex, LinkSignal, Speed } from '../medium/types.js';

/** The mode a link came up in. */
export interface LinkMode {
  /** Speed in Mb/s. */
  speed: Speed;
  /** Duplex. */
  duplex: Duplex;
  /** How it was reached. */
  via: 'autoneg' | 'parallel-detect' | 'forced';
}

/** Technology ability bits used for resolution. */
export const ABILITY = { HD10: 1, FD10: 2, HD100: 4, FD100: 8, HD1000: 16, FD1000: 32 } as const;

/** Abilities advertised by a signal (ANAR bits 5..8, 1000BASE-T control bits 8..9). */
export function advertisedAbilities(sig: LinkSignal): number {
  let a = 0;
  if (sig.anar & (1 << 5)) a |= ABILITY.HD10;
  if (sig.anar & (1 << 6)) a |= ABILITY.FD10;
  if (sig.anar & (1 << 7)) a |= ABILITY.HD100;
  if (sig.anar & (1 << 8)) a |= ABILITY.FD100;
  if (sig.gtcr & (1 << 8)) a |= ABILITY.HD1000;
  if (sig.gtcr & (1 << 9)) a |= ABILITY.FD1000;
  return a;
}

function speedMask(maxSpeed: Speed): number {
  return maxSpeed >= 1000 ? 63 : maxSpeed >= 100 ? 15 : 3;
}

const PRIORITY: Array<[number, Speed, Duplex]> = [
  [ABILITY.FD1000, 1000, 'full'],
  [ABILITY.HD1000, 1000, 'half'],
  [ABILITY.FD100, 100, 'full'],
  [ABILITY.HD100, 100, 'half'],
  [ABILITY.FD10, 10, 'full'],
  [ABILITY.HD10, 10, 'half'],
];

/**
 * The mode `local` settles on with `partner` over a medium that carries at most `maxSpeed`, or
 * null when no link is possible. Both auto-negotiating: the highest common ability (clause 28B
 * priority). One forced: parallel detection gives the forced speed at half duplex on the
 * negotiating side (1000BASE-T cannot be parallel-detected). Both forced: equal speeds link, each
 * side keeping its own duplex (a duplex mismatch is possible, as on real hardware).
 */
export function resolveLink(local: LinkSignal, partner: LinkSignal, maxSpeed: Speed): LinkMode | null {
  const allowed = speedMask(maxSpeed);
  if (local.autoneg && partner.autoneg) {
    const common = advertisedAbilities(local) & advertisedAbilities(partner) & allowed;
    for (const [bit, speed, duplex] of PRIORITY) if (common & bit) return { speed, duplex, via: 'autoneg' };
    return null;
  }
  if (local.autoneg) {
    if (partner.speed === 1000 || partner.speed > maxSpeed) return null;
    const a = advertisedAbilities(local);
    const canSpeed = partner.speed === 100 ? a & (ABILITY.HD100 | ABILITY.FD100) : a & (ABILITY.HD10 | ABILITY.FD10);
    return canSpeed ? { speed: partner.speed, duplex: 'half', via: 'parallel-detect' } : null;
  }
  if (local.speed > maxSpeed) return null;
  if (partner.autoneg) {
    if (local.speed === 1000) return null;
    const a = advertisedAbilities(partner);
    const canSpeed = local.speed === 100 ? a & (ABILITY.HD100 | ABILITY.FD100) : a & (ABILITY.HD10 | ABILITY.FD10);
    return canSpeed ? { speed: local.speed, duplex: local.duplex, via: 'forced' } : null;
  }
  return partner.speed === local.speed ? { speed: local.speed, duplex: local.duplex, via: 'forced' } : null;
}

/** Events of the PHY link machine. */
export type PhyLinkEvent =
  | { type: 'POWER_ON' }
  | { type: 'POWER_OFF' }
  | { type: 'ENERGY' }
  | { type: 'NO_ENERGY' }
  | { type: 'RESTART' };

/**
 * The PHY link state machine. `off`: held in reset or powered down (no signal). `down`: powered,
 * no partner energy. `negotiating`: exchanging abilities (auto-negotiation) or training a forced
 * link for the SETUP delay; a partner that (re)starts restarts the timer. `up`: resolved.
 * Effects are named actions the PHY provides: `advertise`, `silence`, `linkUp`, `linkDown`;
 * guards: `hasEnergy`, `resolvable`; delay: `SETUP` (ms of simulated time).
 */
export const phyLinkMachine = setup({
  types: { events: {} as PhyLinkEvent },
  actions: {
    advertise: () => {},
    silence: () => {},
    linkUp: () => {},
    linkDown: () => {},
  },
  guards: {
    hasEnergy: () => false,
    resolvable: () => false,
  },
  delays: {
    SETUP: 1500,
  },
}).createMachine({
  id: 'phy-link',
  initial: 'down',
  states: {
    off: {
      entry: 'silence',
      on: { POWER_ON: 'down' },
    },
    down: {
      always: { guard: 'hasEnergy', target: 'negotiating' },
      on: { ENERGY: 'negotiating', POWER_OFF: 'off', RESTART: { guard: 'hasEnergy', target: 'negotiating' } },
    },
    negotiating: {
      entry: 'advertise',
      initial: 'waiting',
      states: {
        waiting: {
          after: { SETUP: [{ guard: 'resolvable', target: '#phy-link.up' }, { target: 'waiting', reenter: true }] },
          on: { ENERGY: { target: 'waiting', reenter: true } },
        },
      },
      on: { NO_ENERGY: 'down', RESTART: { target: 'negotiating', reenter: true }, POWER_OFF: 'off' },
    },
    up: {
      entry: 'linkUp',
      exit: 'linkDown',
      on: { NO_ENERGY: 'down', ENERGY: 'negotiating', RESTART: 'negotiating', POWER_OFF: 'off' },
    },
  },
});
