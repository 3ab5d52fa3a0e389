namespace ServerlessScreening.Protocols.Rules;

/// <summary>Orderings rules share.</summary>
internal static class Ordering
{
    /// <summary>
    /// Sorts <paramref name="items"/> most recent first, keeping their order among equal dates: a stable sort, the
    /// order <c>OrderByDescending(date)</c> gives, in place.
    /// </summary>
    public static void MostRecentFirst<T>(List<T> items, Func<T, DateOnly> date)
    {
        var sorted = true;
        for (var i = 1; i < items.Count && sorted; i++)
        {
            sorted = date(items[i - 1]) >= date(items[i]);
        }

        if (sorted)
        {
            return;
        }

        // Ties are broken by position, which makes the (unstable) array sort stable.
        var keyed = new (DateOnly Date, int Position, T Item)[items.Count];
        for (var i = 0; i < keyed.Length; i++)
        {
            keyed[i] = (date(items[i]), i, items[i]);
        }

        Array.Sort(keyed, static (a, b) => a.Date != b.Date ? b.Date.CompareTo(a.Date) : a.Position.CompareTo(b.Position));
        for (var i = 0; i < keyed.Length; i++)
        {
            items[i] = keyed[i].Item;
        }
    }
}
