// Filled in by the TandemNodes issue work.
