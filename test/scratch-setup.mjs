// The unit tests' global setup: their temporary files go in the run's scratch area, checked at the end.
import { openScratchArea } from './support/scratch-area.mjs';

export default function scratchSetup() {
  openScratchArea();
}
