/**
 * The windows SLOs are judged over, and the alerts' default confidence. Here rather than in slos/
 * because config parses SLO_EVALUATION_WINDOW and SLO_ALERT_CONFIDENCE with them, and config sits
 * below every capability.
 */
export const SLO_WINDOWS = ['5m', '1h', '24h', '7d'] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

export const WINDOW_MINUTES: Readonly<Record<SloWindow, number>> = {
  '5m': 5,
  '1h': 60,
  '24h': 24 * 60,
  '7d': 7 * 24 * 60,
};

/**
 * The SLO alerts' default one-sided confidence, percent (SLO_ALERT_CONFIDENCE). The evaluator tests
 * every minute (10 080 times a week) over overlapping windows, so each test's error has to be small:
 * at 300 AWF turns per 5m window and a true fallback rate of 0.3 % (threshold 1 %) a 95 % bound fires
 * about twice a week, a 99.9 % one about once in eight years, while still firing on 9 fallbacks in
 * 300 turns (3 %); docs/slos.md "Firing on a lower bound" has the numbers. The staged plan confirms a
 * critical breach at the same 99.9 %.
 */
export const DEFAULT_ALERT_CONFIDENCE_PCT = 99.9;
