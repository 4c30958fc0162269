import Foundation
import Testing
import TandemCore
@testable import TandemNN

/// Each graph's compute width is its own: bound per thread by `ComputeContext`, read by every kernel.
@Suite struct ComputeContextTests {
    /// What one thread saw while running `rounds` parallel loops under `context`, with a barrier so the
    /// two threads' loops overlap in time.
    private final class Observer: @unchecked Sendable {
        // Safe: each observer is written by its own thread only, and read after `done.wait()`.
        var counts: Set<Int> = []
        var pieceCounts: Set<Int> = []
        var mostAtOnce = 0
        var nested: Set<Int> = []
    }

    private func observe(_ context: ComputeContext, rounds: Int, start: DispatchSemaphore, done: DispatchGroup) -> Observer {
        let observer = Observer()
        done.enter()
        let thread = Thread {
            start.wait()
            context.run {
                for _ in 0..<rounds {
                    observer.counts.insert(ComputeThreads.count)
                    let lock = NSLock()
                    var pieces = 0, active = 0, mostAtOnce = 0
                    var nested: Set<Int> = []
                    ComputeThreads.parallelFor(10_000) { _ in
                        let inner = ComputeThreads.count
                        lock.withLock {
                            pieces += 1
                            active += 1
                            mostAtOnce = max(mostAtOnce, active)
                            nested.insert(inner)
                        }
                        Thread.sleep(forTimeInterval: 0.0002)
                        lock.withLock { active -= 1 }
                    }
                    observer.pieceCounts.insert(pieces)
                    observer.mostAtOnce = max(observer.mostAtOnce, mostAtOnce)
                    observer.nested.formUnion(nested)
                }
            }
            done.leave()
        }
        thread.start()
        return observer
    }

    @Test func concurrentContextsEachSeeTheirOwnWidth() {
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let narrow = observe(ComputeContext(threads: 1, partitions: 6), rounds: 100, start: start, done: done)
        let wide = observe(ComputeContext(threads: 3, partitions: 6), rounds: 100, start: start, done: done)
        start.signal()
        start.signal()
        done.wait()
        #expect(narrow.counts == [1] && wide.counts == [3])
        // The same pieces at both widths; never more at once than the width.
        #expect(narrow.pieceCounts == [6] && wide.pieceCounts == [6])
        #expect(narrow.mostAtOnce == 1)
        #expect(wide.mostAtOnce <= 3)
        // A loop inside another loop's piece runs inline: the threads never multiply.
        #expect(narrow.nested == [1] && wide.nested == [1])
    }

    @Test func outsideAnyContextTheProcessDefaultApplies() {
        #expect(ComputeContext.current == nil)
        #expect(ComputeThreads.count == ComputeThreads.processDefault)
        ComputeContext(threads: 5).run {
            #expect(ComputeThreads.count == 5)
            ComputeContext.serial.run { #expect(ComputeThreads.count == 1) }
            #expect(ComputeThreads.count == 5)
        }
    }

    /// A loop's pieces follow the partitions, not the width, so the bits do not depend on the width: a
    /// convolution, a softmax and large linear layers (row bands of the GEMM) at 1, 2 and 3 threads.
    @Test func resultsAreTheSameBitsAtEveryWidth() {
        var random = SeededValues(seed: 31)
        let x = random.tensor([300, 96]), w = random.tensor([80, 96]), b = random.tensor([80])
        let signal = random.tensor([2, 8, 400]), kernel = random.tensor([16, 8, 3])
        func compute() -> [[Float]] {
            let linear = Tensor.linear(x, weight: w, bias: b)
            let convolved = Tensor.conv1d(signal, weight: kernel, bias: nil, stride: 1, padding: 1)
            let normalised = linear.softmax()
            return [linear.scalars, convolved.scalars, normalised.scalars]
        }
        let one = ComputeContext(threads: 1, partitions: 3).run(compute)
        #expect(ComputeContext(threads: 2, partitions: 3).run(compute) == one)
        #expect(ComputeContext(threads: 3, partitions: 3).run(compute) == one)
        // Without partitions of its own a graph's share cuts its work as the whole process would.
        let share = ComputeContext(threads: 1).run(compute)
        #expect(ComputeContext(threads: ComputeThreads.processDefault).run(compute) == share)
        #expect(compute() == share)
    }
}
