using ServerlessScreening.Facts;

namespace ServerlessScreening.Protocols.Rules;

/// <summary>Look-ups over a patient's clinical facts.</summary>
public static class ClinicalQuery
{
    /// <summary>
    /// The most recent fact of <paramref name="type"/> whose code is <paramref name="code"/> (case-insensitive), dated
    /// inside <paramref name="window"/> when one is given: latest date, then the greatest source and line; of facts
    /// equal in all three, the first listed.
    /// </summary>
    public static ClinicalFact? Latest(IReadOnlyList<ClinicalFact> facts, string type, string code, DateRange? window = null)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ClinicalFact? latest = null;
        foreach (var fact in facts)
        {
            if (fact.Type == type
                && string.Equals(fact.Code, code, StringComparison.OrdinalIgnoreCase)
                && (window is not { } range || range.Contains(fact.Date))
                && (latest is null || IsLater(fact, latest)))
            {
                latest = fact;
            }
        }

        return latest;
    }

    private static bool IsLater(ClinicalFact fact, ClinicalFact than)
    {
        var order = fact.Date.CompareTo(than.Date);
        return (order != 0 ? order : SourceRef.Compare(fact.Source, than.Source)) > 0;
    }
}
