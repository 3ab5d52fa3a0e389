using ServerlessScreening.Facts;

namespace ServerlessScreening.Ingestion;

/// <summary>Where an upload's facts go, one patient shard (part) at a time.</summary>
public interface IShardSink
{
    ValueTask WriteAsync(PatientShard shard, CancellationToken cancellationToken);
}

/// <summary>
/// Collects facts per patient and hands them to an <see cref="IShardSink"/> in parts once
/// <see cref="FlushThreshold"/> facts are buffered, so memory is bounded by the threshold, not the file.
/// Part numbers count flushes; flush points depend only on the rows, so the same upload always yields the same parts.
/// </summary>
public sealed class FactBuffer(string siteId, string upload, int flushThreshold) : IFactSink
{
    private const int MaxConcurrentWrites = 16;

    private readonly Dictionary<string, PatientShard> _pending = new(StringComparer.Ordinal);
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

    public async Task FlushAsync(IShardSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (_pending.Count == 0)
        {
            return;
        }

        // Shards of one flush are independent blobs: write them concurrently, and finish them all before the next flush.
        await Parallel.ForEachAsync(
            _pending.Values,
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentWrites, CancellationToken = cancellationToken },
            (shard, token) => sink.WriteAsync(shard, token));

        _pending.Clear();
        _lastPatientId = null;
        _lastShard = null;
        _buffered = 0;
        _part++;
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
