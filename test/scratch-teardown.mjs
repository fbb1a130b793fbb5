import { closeScratchArea } from './support/scratch-area.mjs';

export default function scratchTeardown() {
  closeScratchArea();
}
