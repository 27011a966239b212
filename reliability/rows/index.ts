// The rows, in the order the suite runs them.
import type { RowDefinition } from "../suite.ts";
import { fuzzRow } from "./fuzz.ts";
import { slowlorisRow } from "./slowloris.ts";
import { floodRow } from "./flood.ts";
import { hostileConfigsRow } from "./hostileConfigs.ts";
import { configChurnRow } from "./configChurn.ts";
import { largeManifestRow } from "./largeManifest.ts";
import { drainRow } from "./drain.ts";
import { clusterRow } from "./cluster.ts";

export const ROWS: readonly RowDefinition[] = [fuzzRow, slowlorisRow, floodRow, hostileConfigsRow, configChurnRow, largeManifestRow, drainRow, clusterRow];
