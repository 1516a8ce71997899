/**
 * The windows SLOs are judged over. Here rather than in slos/ because config parses
 * SLO_EVALUATION_WINDOW against them, and config sits below every capability.
 */
export const SLO_WINDOWS = ['5m', '1h', '24h', '7d'] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

export const WINDOW_MINUTES: Readonly<Record<SloWindow, number>> = {
  '5m': 5,
  '1h': 60,
  '24h': 24 * 60,
  '7d': 7 * 24 * 60,
};
