// What a scanner's sensitivity floor does to the readings, for the solver. Pure: no Node-RED.
//
// A scanner reports only packets above its floor F (dBm). Near the floor the packets that arrive are the
// lucky ones, so the mean of what is heard is biased high: if a packet's RSSI is Normal(mu, s²), the mean
// of the packets above F is the truncated-normal mean mu + s·λ(α), α = (F - mu) / s, λ the inverse Mills
// ratio φ(α) / (1 - Φ(α)). The solver compares each reading with this instead of with mu, so a collar far
// from a scanner, heard there only on its strongest packets, is no longer pulled towards it. Scalar
// functions only: they run inside the solver's inner loops and must not allocate.

/** Beyond this many sigmas below the floor the correction is below 1e-9 dB: skip it. */
const NEGLIGIBLE_ALPHA = -6;
/** Above this the direct formula loses precision (1 - Φ is tiny); a continued fraction takes over. */
const CONTINUED_FRACTION_ALPHA = 3;
const CONTINUED_FRACTION_TERMS = 40;
/** Numerical Recipes' erfcc: erfc(z) = t exp(-z² + sum c_k t^k), t = 1 / (1 + z / 2), relative error < 1.2e-7. */
const ERFC_COEFFICIENTS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
];
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** The standard normal density φ(x). */
export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/**
 * The upper tail 1 - Φ(x) of the standard normal (erfcc: relative error below 1.2e-7 for x >= 0, absolute
 * below 1e-7 for x < 0).
 */
export function normalUpperTail(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  let poly = 0;
  for (let k = ERFC_COEFFICIENTS.length - 1; k >= 0; k--) poly = ERFC_COEFFICIENTS[k] + t * poly;
  const erfc = t * Math.exp(-z * z + poly);
  return x >= 0 ? 0.5 * erfc : 1 - 0.5 * erfc;
}

/** The inverse Mills ratio λ(α) = φ(α) / (1 - Φ(α)): finite for every finite α, about α + 1/α when large. */
export function inverseMills(alpha: number): number {
  if (alpha <= CONTINUED_FRACTION_ALPHA) return normalPdf(alpha) / normalUpperTail(alpha);
  // (1 - Φ(α)) / φ(α) = 1 / (α + 1 / (α + 2 / (α + 3 / ...))), evaluated from the tail.
  let f = alpha;
  for (let k = CONTINUED_FRACTION_TERMS; k >= 1; k--) f = alpha + k / f;
  return f;
}

/**
 * The mean of the readings above `floor` when they are Normal(`mean`, `sigma`²): what a scanner reports
 * on average when the model predicts `mean`. `floor` -Infinity (no floor) gives `mean` itself.
 */
export function censoredMean(mean: number, floor: number, sigma: number): number {
  const alpha = (floor - mean) / sigma;
  return alpha < NEGLIGIBLE_ALPHA ? mean : mean + sigma * inverseMills(alpha);
}

/**
 * d censoredMean / d mean: 1 - λ(λ - α), between 0 (far below the floor, the reading stays at the floor
 * whatever the model) and 1 (far above it). The solver's Jacobian is the model's times this.
 */
export function censoredSlope(mean: number, floor: number, sigma: number): number {
  const alpha = (floor - mean) / sigma;
  if (alpha < NEGLIGIBLE_ALPHA) return 1;
  const l = inverseMills(alpha);
  // Rounding can push it a hair outside (0, 1) far below the floor; a zero slope would stall the search.
  return Math.min(1, Math.max(1e-6, 1 - l * (l - alpha)));
}
