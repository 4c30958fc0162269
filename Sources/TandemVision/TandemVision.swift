// Filled in by the TandemVision issue work.
