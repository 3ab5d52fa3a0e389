namespace ServerlessScreening.Ingestion;

/// <summary>
/// Accumulates an upload's report while its rows stream past. Memory is bounded whatever the file size:
/// at most <see cref="MaxListedRejections"/> rejections are listed (all are counted), and ignored rows and
/// warnings are grouped by what they share, up to <see cref="MaxGroups"/> groups each.
/// </summary>
public sealed class ReportBuilder
{
    public const int MaxListedRejections = 1000;
    public const int MaxGroups = 200;

    private readonly List<Rejection> _rejections = [];
    private readonly SortedDictionary<string, int> _rejectionsByCode = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Code, string What), (int Count, int FirstLine)> _ignored = [];
    private readonly Dictionary<(string Code, string What), (int Count, int FirstLine)> _warnings = [];
    private int _overflowIgnored;
    private int _overflowWarnings;

    public int RowsRead { get; private set; }

    public int RowsUsed { get; private set; }

    public int RowsIgnored { get; private set; }

    public int RowsRejected { get; private set; }

    public int BlankLines { get; private set; }

    public void Used()
    {
        RowsRead++;
        RowsUsed++;
    }

    public void Blank() => BlankLines++;

    public void Reject(Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        RowsRead++;
        RowsRejected++;
        RecordRejection(rejection);
    }

    /// <summary>
    /// A field that could not be used in a row whose other fields were: listed with its line and column and counted by
    /// code like a rejected row, so the site can correct it, while the row itself is counted once, as used.
    /// </summary>
    public void RejectField(Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        RecordRejection(rejection);
    }

    /// <summary>A problem with the file as a whole (line 0) or a stop part-way; not a row.</summary>
    public void FileProblem(Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        RecordRejection(rejection);
    }

    public void Ignore(string code, string what, int line)
    {
        RowsRead++;
        RowsIgnored++;
        Group(_ignored, code, what, line, ref _overflowIgnored);
    }

    public void Warn(string code, string what, int line) => Group(_warnings, code, what, line, ref _overflowWarnings);

    public IngestionReport Build(string upload, string siteId, string status) => new()
    {
        Upload = upload,
        SiteId = siteId,
        Status = status,
        RowsRead = RowsRead,
        RowsUsed = RowsUsed,
        RowsIgnored = RowsIgnored,
        RowsRejected = RowsRejected,
        BlankLines = BlankLines,
        Rejections = _rejections.ToList(),
        RejectionsTruncated = _rejections.Count < _rejectionsByCode.Values.Sum(),
        RejectionsByCode = new SortedDictionary<string, int>(_rejectionsByCode, StringComparer.Ordinal),
        Ignored = Groups(_ignored, _overflowIgnored),
        Warnings = Groups(_warnings, _overflowWarnings),
    };

    private void RecordRejection(Rejection rejection)
    {
        _rejectionsByCode[rejection.Code] = _rejectionsByCode.GetValueOrDefault(rejection.Code) + 1;
        if (_rejections.Count < MaxListedRejections)
        {
            _rejections.Add(rejection);
        }
    }

    private static void Group(Dictionary<(string, string), (int Count, int FirstLine)> groups, string code, string what, int line, ref int overflow)
    {
        var key = (code, what);
        if (groups.TryGetValue(key, out var seen))
        {
            groups[key] = (seen.Count + 1, seen.FirstLine);
        }
        else if (groups.Count < MaxGroups)
        {
            groups[key] = (1, line);
        }
        else
        {
            overflow++;
        }
    }

    private static List<RowGroup> Groups(Dictionary<(string Code, string What), (int Count, int FirstLine)> groups, int overflow)
    {
        var list = groups
            .Select(g => new RowGroup(g.Key.Code, g.Key.What, g.Value.Count, g.Value.FirstLine))
            .OrderBy(g => g.FirstLine)
            .ThenBy(g => g.Code, StringComparer.Ordinal)
            .ThenBy(g => g.What, StringComparer.Ordinal)
            .ToList();
        if (overflow > 0)
        {
            list.Add(new RowGroup("MORE", $"{overflow} more rows in groups beyond the first {MaxGroups}", overflow, 0));
        }

        return list;
    }
}
