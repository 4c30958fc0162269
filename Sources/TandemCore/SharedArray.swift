/// An immutable array of elements held in one reference-counted allocation.
///
/// Packets carry their payloads in a `SharedArray` so that copying a packet — fanning it out
/// to several consumers, holding it in a queue — copies a reference, never the samples or pixels.
/// Mutation goes through `withUnsafeMutableBufferPointer`, which copies first when the storage
/// is shared (copy on write).
public struct SharedArray<Element: Sendable>: Sendable {
    @usableFromInline final class Storage: @unchecked Sendable {
        // Safe: the array is only mutated through `withUnsafeMutableBufferPointer`, which
        // first makes the storage uniquely referenced.
        @usableFromInline var elements: [Element]
        @usableFromInline init(_ elements: [Element]) { self.elements = elements }
    }

    @usableFromInline var storage: Storage

    /// Wraps `elements` without copying them again.
    @inlinable public init(_ elements: [Element]) { storage = Storage(elements) }

    /// An array of `count` copies of `value`.
    @inlinable public init(repeating value: Element, count: Int) {
        storage = Storage([Element](repeating: value, count: count))
    }

    /// Fills a new array of `count` elements by writing into uninitialised storage.
    @inlinable public init(
        unsafeUninitializedCount count: Int,
        initializingWith body: (inout UnsafeMutableBufferPointer<Element>) throws -> Void
    ) rethrows {
        let elements = try [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            try body(&buffer)
            initialized = count
        }
        storage = Storage(elements)
    }

    @inlinable public var count: Int { storage.elements.count }
    @inlinable public var isEmpty: Bool { storage.elements.isEmpty }
    @inlinable public subscript(index: Int) -> Element { storage.elements[index] }

    /// The elements as a Swift array (shares storage until either side mutates).
    @inlinable public var array: [Element] { storage.elements }

    @inlinable public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try storage.elements.withUnsafeBufferPointer(body)
    }

    /// Mutates the elements in place, copying them first if another value shares the storage.
    @inlinable public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Element>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.elements) }
        return try storage.elements.withUnsafeMutableBufferPointer(body)
    }
}

extension SharedArray: Equatable where Element: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.elements == rhs.storage.elements
    }
}
