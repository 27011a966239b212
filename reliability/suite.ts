// What every row gets from the suite: whether to run the short form, and where to
// report a finished result (printed at once).
import type { RowResult } from "./table.ts";

export interface RowContext {
  readonly quick: boolean;
  report(result: RowResult): void;
}

export interface RowDefinition {
  readonly id: string;
  readonly title: string;
  run(context: RowContext): Promise<void>;
}
