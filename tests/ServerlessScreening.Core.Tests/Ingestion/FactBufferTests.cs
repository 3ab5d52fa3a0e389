using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Tests.Ingestion;

public class FactBufferTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_flush_returns_while_its_part_is_being_written_and_the_next_flush_waits_for_it()
    {
        var sink = new GatedSink();
        var buffer = new FactBuffer("site-001", "uploads/site-001/labs.csv", flushThreshold: 2);
        Add(buffer, "P2", 1);
        Add(buffer, "P1", 2);

        await buffer.FlushAsync(sink, CancellationToken.None).WaitAsync(Patience);
        await sink.Started.WaitAsync(Patience);

        // The reader fills the next part while the first is still held in the sink.
        Add(buffer, "P1", 3);
        var second = buffer.FlushAsync(sink, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(second.IsCompleted);

        sink.Release();
        await second.WaitAsync(Patience);
        await buffer.CompleteAsync(sink, CancellationToken.None).WaitAsync(Patience);

        var written = sink.Written.OrderBy(s => s.Part).ThenBy(s => s.PatientId, StringComparer.Ordinal).Select(s => $"{s.Part}:{s.PatientId}:{string.Join('+', s.Labs.Select(l => l.Source.Line))}");
        // P1's rows on both sides of the flush: the later one starts a shard of the new part.
        Assert.Equal(["0:P1:2", "0:P2:1", "1:P1:3"], written);
    }

    [Fact]
    public async Task Complete_waits_for_every_part_and_a_failed_write_surfaces_there()
    {
        var sink = new GatedSink { Fail = "P2" };
        var buffer = new FactBuffer("site-001", "uploads/site-001/labs.csv", flushThreshold: 10);
        Add(buffer, "P1", 1);
        Add(buffer, "P2", 2);

        var complete = buffer.CompleteAsync(sink, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(complete.IsCompleted);

        sink.Release();
        var error = await Assert.ThrowsAsync<IOException>(() => complete.WaitAsync(Patience));
        Assert.Equal("write failed", error.Message);
    }

    [Fact]
    public async Task A_failed_write_surfaces_at_the_next_flush()
    {
        var sink = new GatedSink { Fail = "P1" };
        var buffer = new FactBuffer("site-001", "uploads/site-001/labs.csv", flushThreshold: 1);
        Add(buffer, "P1", 1);
        await buffer.FlushAsync(sink, CancellationToken.None).WaitAsync(Patience);
        Add(buffer, "P2", 2);

        sink.Release();
        await Assert.ThrowsAsync<IOException>(() => buffer.FlushAsync(sink, CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task An_ingestion_whose_reading_fails_returns_only_once_its_part_in_flight_is_written()
    {
        var csv = new StringBuilder("patient_id,collected_at,test_code,value,unit\n");
        for (var row = 0; row < 4_000; row++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"P{row / 150:D4},2025-01-01,2890-2,{row % 9}.5,g/g\n");
        }

        // The connection drops after 100 KB: past the 64 KB sniffed before parsing, so parts were handed over before it.
        var content = new FailingStream(Encoding.UTF8.GetBytes(csv.ToString()), failAfter: 100_000);
        var sink = new SlowSink(TimeSpan.FromMilliseconds(200));
        var ingestor = new UploadIngestor(LabCatalog.Default, DrugCatalog.Default, flushThreshold: 400);

        await Assert.ThrowsAsync<IOException>(() => ingestor.IngestAsync(new UploadDescriptor("site-001", "uploads/site-001/labs.csv", ParseSettings.Default), content, sink, CancellationToken.None));

        Assert.True(sink.Started > 0);
        Assert.Equal(sink.Started, sink.Finished);
    }

    [Fact]
    public async Task Abandon_waits_for_the_part_in_flight_and_keeps_its_failure_to_itself()
    {
        var sink = new GatedSink { Fail = "P1" };
        var buffer = new FactBuffer("site-001", "uploads/site-001/labs.csv", flushThreshold: 1);
        Add(buffer, "P1", 1);
        await buffer.FlushAsync(sink, CancellationToken.None).WaitAsync(Patience);

        var abandon = buffer.AbandonAsync();
        await Task.Delay(100);
        Assert.False(abandon.IsCompleted);

        sink.Release();
        await abandon.WaitAsync(Patience);
        Assert.Empty(sink.Written);
    }

    private static void Add(FactBuffer buffer, string patientId, int line) =>
        buffer.Add(patientId, new LabResult
        {
            TestId = "upcr",
            CollectedAt = Timestamp.OfDate(new DateOnly(2025, 1, line)),
            Value = LabValue.Of(1.0m),
            Unit = "g/g",
            Source = new SourceRef("uploads/site-001/labs.csv", line),
        });

    private sealed class SlowSink(TimeSpan delay) : IShardSink
    {
        private int _started;
        private int _finished;

        public int Started => Volatile.Read(ref _started);

        public int Finished => Volatile.Read(ref _finished);

        public async ValueTask WriteAsync(PatientShard shard, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _started);
            await Task.Delay(delay, CancellationToken.None);
            Interlocked.Increment(ref _finished);
        }
    }

    private sealed class FailingStream(byte[] content, int failAfter) : MemoryStream(content, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => Position >= failAfter ? throw new IOException("connection reset") : base.Read(buffer, offset, Math.Min(count, failAfter - (int)Position));

        public override int Read(Span<byte> buffer) => Position >= failAfter ? throw new IOException("connection reset") : base.Read(buffer[..Math.Min(buffer.Length, failAfter - (int)Position)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));
    }

    /// <summary>Holds every write until released; the patient named by <see cref="Fail"/> fails.</summary>
    private sealed class GatedSink : IShardSink
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? Fail { get; init; }

        public ConcurrentBag<PatientShard> Written { get; } = [];

        public Task Started => _started.Task;

        public void Release() => _gate.TrySetResult();

        public async ValueTask WriteAsync(PatientShard shard, CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
            if (shard.PatientId == Fail)
            {
                throw new IOException("write failed");
            }

            Written.Add(shard);
        }
    }
}
