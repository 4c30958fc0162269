#ifndef TANDEM_TEST_SCRATCH_H
#define TANDEM_TEST_SCRATCH_H
/// The folder every test of this process writes its temporary files to (TMPDIR is pointed at it when
/// the test binary loads, and it is removed with everything in it when the process exits).
const char *tandem_test_scratch_path(void);
#endif
