namespace MlipEngine.Training.Data;

/// <summary>A seeded random split of frames into training, validation and test sets (disjoint, covering all).</summary>
public static class DatasetSplit
{
    /// <summary>
    /// Shuffles indices with a Fisher–Yates permutation from <c>new Random(seed)</c> (stable across .NET
    /// versions for a given seed) and cuts it at the given fractions; the test set takes the rest.
    /// </summary>
    public static (List<T> Train, List<T> Validation, List<T> Test) Split<T>(IReadOnlyList<T> items, double validationFraction, double testFraction, int seed)
    {
        if (validationFraction < 0 || testFraction < 0 || validationFraction + testFraction >= 1)
            throw new ArgumentException("validation and test fractions must be ≥ 0 and sum to less than 1");
        var order = Enumerable.Range(0, items.Count).ToArray();
        var rng = new Random(seed);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        int nValid = (int)Math.Round(validationFraction * items.Count), nTest = (int)Math.Round(testFraction * items.Count);
        var valid = order.Take(nValid).Select(i => items[i]).ToList();
        var test = order.Skip(nValid).Take(nTest).Select(i => items[i]).ToList();
        var train = order.Skip(nValid + nTest).Select(i => items[i]).ToList();
        return (train, valid, test);
    }
}
