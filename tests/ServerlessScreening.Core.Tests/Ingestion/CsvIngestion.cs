using System.Text;
using ServerlessScreening.Facts;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Tests.Ingestion;

/// <summary>Runs the real ingestor over in-memory text and collects what it produced.</summary>
internal sealed class CsvIngestion : IShardSink
{
    private readonly System.Collections.Concurrent.ConcurrentBag<PatientShard> _shards = [];

    public IReadOnlyList<PatientShard> Shards => [.. _shards.OrderBy(s => s.PatientId, StringComparer.Ordinal).ThenBy(s => s.Part)];

    public IEnumerable<LabResult> Labs => Shards.SelectMany(s => s.Labs).OrderBy(l => l.Source.Line);

    public IEnumerable<MedicationRecord> Medications => Shards.SelectMany(s => s.Medications).OrderBy(l => l.Source.Line);

    public IEnumerable<Demographics> Demographics => Shards.SelectMany(s => s.Demographics).OrderBy(l => l.Source.Line);

    public IEnumerable<ClinicalFact> Clinical => Shards.SelectMany(s => s.Clinical).OrderBy(l => l.Source.Line);

    public static Task<(IngestionOutcome Outcome, CsvIngestion Sink)> RunAsync(string text, ParseSettings? settings = null, Encoding? encoding = null, int flushThreshold = UploadIngestor.DefaultFlushThreshold) =>
        RunAsync((encoding ?? new UTF8Encoding(false)).GetPreamble().Concat((encoding ?? new UTF8Encoding(false)).GetBytes(text)).ToArray(), settings, flushThreshold);

    public static async Task<(IngestionOutcome Outcome, CsvIngestion Sink)> RunAsync(byte[] bytes, ParseSettings? settings = null, int flushThreshold = UploadIngestor.DefaultFlushThreshold)
    {
        var sink = new CsvIngestion();
        var ingestor = new UploadIngestor(LabCatalog.Default, DrugCatalog.Default, flushThreshold);
        var outcome = await ingestor.IngestAsync(new UploadDescriptor("site-001", "uploads/site-001/file.csv", settings ?? ParseSettings.Default), new MemoryStream(bytes), sink, CancellationToken.None);
        return (outcome, sink);
    }

    public ValueTask WriteAsync(PatientShard shard, CancellationToken cancellationToken)
    {
        _shards.Add(shard);
        return ValueTask.CompletedTask;
    }
}
