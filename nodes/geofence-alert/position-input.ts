// Positions of the contract from untrusted message payloads: one position or a batch (array), as objects,
// JSON text or its bytes. The checks are the kernel parser's (kernel/parse/position.ts). Pure.
import { parseBatch, parsePosition } from '../kernel/parse';

/** What the geofence needs of a contract `position`. */
export interface FencePosition {
  dog: string;
  ts: number;
  x: number;
  y: number;
  /** 1-sigma radius in metres. */
  accuracy: number;
  /** Covariance [[xx, xy], [xy, yy]] in m², when the tracker gives one. */
  cov?: readonly [readonly [number, number], readonly [number, number]];
}

export interface PositionBatch {
  positions: FencePosition[];
  /** One line per rejected position (the first few), naming it and what is wrong. */
  errors: string[];
  /** How many were rejected in all, and how many the payload held. */
  refused: number;
  total: number;
}

/** Reads `msg.payload`: a position or an array of them. Bad items are reported; good ones are kept. */
export function readPositions(payload: unknown): PositionBatch {
  const { values, problems, refused, total } = parseBatch(payload, parsePosition);
  const positions = values.map((p): FencePosition => {
    const position: FencePosition = { dog: p.dog, ts: p.ts, x: p.x, y: p.y, accuracy: p.accuracy };
    if (p.cov) position.cov = p.cov;
    return position;
  });
  return { positions, errors: problems, refused, total };
}
