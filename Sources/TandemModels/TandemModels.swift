// Filled in by the TandemModels issue work.
