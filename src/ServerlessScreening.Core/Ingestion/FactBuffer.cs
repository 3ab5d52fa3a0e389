using ServerlessScreening.Facts;

namespace ServerlessScreening.Ingestion;

/// <summary>Where an upload's facts go, one patient shard (part) at a time.</summary>
public interface IShardSink
{
    ValueTask WriteAsync(PatientShard shard, CancellationToken cancellationToken);
}

/// <summary>
/// Collects facts per patient and hands them to an <see cref="IShardSink"/> in parts once
/// <see cref="FlushThreshold"/> facts are buffered, so memory is bounded by the threshold (two parts), not the file.
/// Part numbers count flushes; flush points depend only on the rows, so the same upload always yields the same parts.
/// </summary>
/// <remarks>
/// A flush hands its part to the sink and returns while the part is being written, so the reader fills the next part
/// meanwhile (serializing and uploading overlap with parsing). At most one part is in flight: a flush first waits for
/// the previous one, which bounds memory at two parts and surfaces a failed write at the next flush.
/// <see cref="CompleteAsync"/> flushes the rest and waits for every write; <see cref="AbandonAsync"/> waits without
/// flushing when reading failed, so no write outlives the ingestion that started it. One reader uses a buffer; it is
/// not thread-safe.
/// </remarks>
public sealed class FactBuffer(string siteId, string upload, int flushThreshold) : IFactSink
{
    private const int MaxConcurrentWrites = 16;

    private Dictionary<string, PatientShard> _pending = new(StringComparer.Ordinal);
    private Task _inFlight = Task.CompletedTask;
    private readonly HashSet<string> _patients = new(StringComparer.Ordinal);
    private readonly HashSet<string> _clinicalTypes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _categories = new(StringComparer.Ordinal);
    private int _buffered;
    private int _part;

    // The shard of the last patient added to: rows of one patient usually come together, and patient ids from
    // one file are shared strings, so most rows find their shard without a dictionary look-up.
    private string? _lastPatientId;
    private PatientShard? _lastShard;

    public int FlushThreshold { get; } = flushThreshold;

    public bool ShouldFlush => _buffered >= FlushThreshold;

    public IReadOnlyCollection<string> Patients => _patients;

    public bool SawDemographics { get; private set; }

    public IReadOnlyCollection<string> ClinicalTypes => _clinicalTypes;

    /// <summary>The categories of the facts seen (labs, medications, patients and the clinical types), for uploads that mix them.</summary>
    public IReadOnlyCollection<string> FactCategories => _categories;

    public void Add(string patientId, Demographics fact)
    {
        Shard(patientId).Demographics.Add(fact);
        SawDemographics = true;
        _categories.Add(Facts.RecordCategories.Patients);
    }

    public void Add(string patientId, LabResult fact)
    {
        Shard(patientId).Labs.Add(fact);
        _categories.Add(Facts.RecordCategories.Labs);
    }

    public void Add(string patientId, MedicationRecord fact)
    {
        Shard(patientId).Medications.Add(fact);
        _categories.Add(Facts.RecordCategories.Medications);
    }

    public void Add(string patientId, ClinicalFact fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        Shard(patientId).Clinical.Add(fact);
        _clinicalTypes.Add(fact.Type);
        _categories.Add(Facts.RecordCategories.ForClinicalType(fact.Type));
    }

    /// <summary>
    /// Hands the buffered facts to <paramref name="sink"/> as the next part, once the previous part is written, and
    /// returns while the new part is being written: end with <see cref="CompleteAsync"/> or <see cref="AbandonAsync"/>.
    /// </summary>
    public async Task FlushAsync(IShardSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        await _inFlight;
        if (_pending.Count == 0)
        {
            return;
        }

        // Shards of one part are independent blobs: write them concurrently. The dictionary is handed over whole and
        // a fresh one started, so the part being written is never touched by the reader.
        var part = _pending;
        _pending = new Dictionary<string, PatientShard>(part.Count, StringComparer.Ordinal);
        _inFlight = Parallel.ForEachAsync(
            part.Values,
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentWrites, CancellationToken = cancellationToken },
            (shard, token) => sink.WriteAsync(shard, token));

        _lastPatientId = null;
        _lastShard = null;
        _buffered = 0;
        _part++;
    }

    /// <summary>Flushes what is buffered and waits until every part has been written.</summary>
    public async Task CompleteAsync(IShardSink sink, CancellationToken cancellationToken)
    {
        await FlushAsync(sink, cancellationToken);
        await _inFlight;
    }

    /// <summary>
    /// Waits for the part in flight, if any, ignoring its outcome: for when reading failed and its exception is the one
    /// to report. Not cancellable, so that no write outlives the ingestion; a cancelled ingestion's writes see its
    /// token through the sink.
    /// </summary>
    public async Task AbandonAsync()
    {
        try
        {
            await _inFlight;
        }
#pragma warning disable CA1031 // The write's failure is secondary to the reading failure being propagated.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private PatientShard Shard(string patientId)
    {
        _buffered++;
        if (ReferenceEquals(patientId, _lastPatientId))
        {
            return _lastShard!;
        }

        if (!_pending.TryGetValue(patientId, out var shard))
        {
            shard = new PatientShard { SiteId = siteId, PatientId = patientId, Upload = upload, Part = _part };
            _pending[patientId] = shard;
            _patients.Add(patientId);
        }

        _lastPatientId = patientId;
        _lastShard = shard;
        return shard;
    }
}
