namespace ServerlessScreening.Facts;

/// <summary>Where a fact came from: the upload blob (container-qualified, e.g. <c>uploads/site-001/labs.csv</c>) and the line (CSV) or record (NDJSON) number in it.</summary>
/// <remarks>
/// Sources order by blob name (ordinal), then line: the order facts are listed in and the tie-break of every "most
/// recent" choice, so verdicts do not depend on the order uploads arrived in. A value, not an object: every fact
/// carries one, and reading it inline spares an object per fact and the load that reaches it.
/// </remarks>
public readonly record struct SourceRef(string Blob, int Line)
{
    /// <summary>The order of <see cref="Compare"/>, for sorting.</summary>
    public static IComparer<SourceRef> Order { get; } = Comparer<SourceRef>.Create(Compare);

    public static int Compare(SourceRef x, SourceRef y)
    {
        var order = string.CompareOrdinal(x.Blob, y.Blob);
        return order != 0 ? order : x.Line.CompareTo(y.Line);
    }
}
