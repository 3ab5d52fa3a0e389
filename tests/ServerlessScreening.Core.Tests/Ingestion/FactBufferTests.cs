using System.Collections.Concurrent;
using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;

namespace ServerlessScreening.Tests.Ingestion;

public class FactBufferTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_flush_returns_while_its_part_is_being_written_and_the_next_flush_waits_for_it()
    {
        var sink = new GatedSink();
        var buffer = new FactBuffer("site-001", "uploads/site-001/labs.csv", flushThreshold: 2);
        Add(buffer, "P1", 1);
        Add(buffer, "P2", 2);

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
        Assert.Equal(["0:P1:1", "0:P2:2", "1:P1:3"], written);
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
