using MlipEngine.Training.Optimization;
using Xunit;

namespace MlipEngine.Tests.Training;

public class AdamOptimizerTests
{
    /// <summary>Independent textbook form (Kingma &amp; Ba, Alg. 1) of one Adam step on a scalar.</summary>
    private static (double Theta, double M, double V) TextbookAdam(double theta, double g, double m, double v, int t, double lr, double b1, double b2, double eps)
    {
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        double mHat = m / (1 - Math.Pow(b1, t)), vHat = v / (1 - Math.Pow(b2, t));
        return (theta - lr * mHat / (Math.Sqrt(vHat) + eps), m, v);
    }

    [Fact]
    public void TwoSteps_MatchHandComputedAdam()
    {
        // By hand, step 1 (θ=1, g=0.5, η=0.1): m=0.05, v=2.5e-4, m̂=0.5, v̂=0.25 → θ = 1 − 0.1·0.5/(0.5 + 1e-8).
        var adam = new AdamOptimizer(2);
        double[] theta = [1.0, -2.0];
        adam.Step(theta, [0.5, -3.0], 0.1);
        // PyTorch's √v/√(1−β₂ᵗ) vs the textbook √(v/(1−β₂ᵗ)) differ by a few ulps only: 1e-15 on θ ≈ 1.
        Assert.Equal(1 - 0.1 * 0.5 / (0.5 + 1e-8), theta[0], 1e-15);
        Assert.Equal(-2 + 0.1 * 3.0 / (3.0 + 1e-8), theta[1], 1e-15);

        // Step 2 against the textbook recursion, including the t = 2 bias corrections.
        var s0 = TextbookAdam(1.0, 0.5, 0, 0, 1, 0.1, 0.9, 0.999, 1e-8);
        var s1 = TextbookAdam(s0.Theta, -0.2, s0.M, s0.V, 2, 0.1, 0.9, 0.999, 1e-8);
        adam.Step(theta, [-0.2, 1.0], 0.1);
        Assert.Equal(s1.Theta, theta[0], 1e-15);
        Assert.Equal(2, adam.StepCount);
        var state = adam.ExportState();
        Assert.Equal(0.9 * 0.05 + 0.1 * -0.2, state.FirstMoment[0], 1e-17);
        Assert.Equal(0.999 * 2.5e-4 + 0.001 * 0.04, state.SecondMoment[0], 1e-18);
    }

    [Fact]
    public void Quadratic_ConvergesToMinimum()
    {
        // L = ½ Σ aᵢ (θᵢ − cᵢ)², curvatures spanning two decades; cosine-annealed η removes Adam's O(η) jitter.
        const int n = 20, steps = 3000;
        var rng = new Random(1);
        var a = new double[n]; var c = new double[n]; var theta = new double[n]; var g = new double[n];
        for (int i = 0; i < n; i++) { a[i] = Math.Pow(10, rng.NextDouble() * 2 - 1); c[i] = rng.NextDouble() * 4 - 2; theta[i] = rng.NextDouble() * 4 - 2; }
        var adam = new AdamOptimizer(n, new AdamOptions { AmsGrad = true });
        var schedule = new LearningRateSchedule(new() { InitialLearningRate = 0.05, Annealing = LearningRateAnnealing.Cosine, TotalEpochs = steps });
        for (int k = 0; k < steps; k++)
        {
            for (int i = 0; i < n; i++) g[i] = a[i] * (theta[i] - c[i]);
            adam.Step(theta, g, schedule.LearningRate(k));
        }
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(theta[i] - c[i]) < 1e-4, $"θ[{i}] = {theta[i]} vs {c[i]}");
    }

    [Fact]
    public void AmsGrad_KeepsRunningMaximumOfSecondMoment_AndShrinksSteps()
    {
        // One large gradient, then small ones: v decays but v_max stays at its peak, so AMSGrad steps are
        // smaller than Adam's and the denominator is the textbook √(v_max/(1 − β₂ᵗ)) + ε.
        var ams = new AdamOptimizer(1, new AdamOptions { AmsGrad = true });
        var plain = new AdamOptimizer(1);
        double[] tA = [0.0], tP = [0.0];
        double[] grads = [10.0, 0.1, 0.1, 0.1, 0.1];
        double peak = 0, v = 0, m = 0;
        for (int k = 0; k < grads.Length; k++)
        {
            double beforeA = tA[0], beforeP = tP[0];
            ams.Step(tA, [grads[k]], 0.01);
            plain.Step(tP, [grads[k]], 0.01);
            m = 0.9 * m + (1 - 0.9) * grads[k];
            v = 0.999 * v + (1 - 0.999) * grads[k] * grads[k];
            peak = Math.Max(peak, v);
            int t = k + 1;
            double expected = 0.01 / (1 - Math.Pow(0.9, t)) * m / (Math.Sqrt(peak / (1 - Math.Pow(0.999, t))) + 1e-8);
            Assert.Equal(expected, beforeA - tA[0], 1e-15);
            if (k > 0) Assert.True(beforeA - tA[0] < beforeP - tP[0]);
        }
        var state = ams.ExportState();
        Assert.Equal(peak, state.MaxSecondMoment![0], 1e-17);   // a few ulps of 0.1
        Assert.True(state.SecondMoment[0] < state.MaxSecondMoment[0]);
        Assert.Null(plain.ExportState().MaxSecondMoment);
    }

    [Fact]
    public void DecoupledWeightDecay_ShrinksZeroGradientParameterByOneMinusLrTimesDecay()
    {
        var adam = new AdamOptimizer(3, new AdamOptions { WeightDecay = 0.01 }, weightDecayMask: [true, true, false]);
        double[] theta = [2.0, -3.0, 5.0];
        adam.Step(theta, [0.0, 0.0, 0.0], 0.1);
        // m = v = 0 → the adaptive term is exactly 0/(0 + ε) = 0; only the decay acts.
        Assert.Equal(2.0 * (1 - 0.1 * 0.01), theta[0]);
        Assert.Equal(-3.0 * (1 - 0.1 * 0.01), theta[1]);
        Assert.Equal(5.0, theta[2]);
    }

    [Fact]
    public void CoupledL2_EqualsPlainAdamOnPenalisedGradient()
    {
        var coupled = new AdamOptimizer(2, new AdamOptions { WeightDecay = 0.3, WeightDecayMode = WeightDecayMode.CoupledL2 });
        var plain = new AdamOptimizer(2);
        double[] tc = [1.5, -0.5], tp = [1.5, -0.5];
        for (int k = 0; k < 5; k++)
        {
            double[] g = [Math.Sin(k), Math.Cos(k)];
            coupled.Step(tc, g, 0.05);
            plain.Step(tp, [g[0] + 0.3 * tp[0], g[1] + 0.3 * tp[1]], 0.05);
        }
        Assert.Equal(tp, tc);
    }

    [Fact]
    public void ExportedState_ResumesToIdenticalTrajectory()
    {
        var opts = new AdamOptions { AmsGrad = true, WeightDecay = 1e-3 };
        var a = new AdamOptimizer(3, opts);
        double[] theta = [0.3, -0.7, 1.1];
        for (int k = 0; k < 4; k++) a.Step(theta, [Math.Sin(k), k, -1], 0.01);
        var b = new AdamOptimizer(3, opts);
        b.ImportState(a.ExportState());
        double[] copy = (double[])theta.Clone();
        for (int k = 4; k < 9; k++)
        {
            a.Step(theta, [Math.Sin(k), k, -1], 0.01);
            b.Step(copy, [Math.Sin(k), k, -1], 0.01);
        }
        Assert.Equal(theta, copy);
        Assert.Equal(9, b.StepCount);
        Assert.Throws<ArgumentException>(() => new AdamOptimizer(3).ImportState(a.ExportState()));
    }

    [Fact]
    public void OptimizerStep_EmaUpdate_AndClipping_DoNotAllocate()
    {
        var adam = new AdamOptimizer(1000, new AdamOptions { AmsGrad = true, WeightDecay = 1e-2 });
        var theta = new double[1000]; var g = new double[1000];
        for (int i = 0; i < g.Length; i++) g[i] = i - 500;
        var ema = new ExponentialMovingAverage(theta, warmUp: true);
        void Round() { GradientClipping.ClipByGlobalNorm(g, 10); adam.Step(theta, g, 1e-3); ema.Update(theta); }
        for (int k = 0; k < 50; k++) Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 200; k++) Round();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

public class ExponentialMovingAverageTests
{
    [Fact]
    public void ConstantWeights_ShadowApproachesThemGeometrically()
    {
        // θ̄ₙ − θ = dⁿ (θ̄₀ − θ) for fixed θ.
        var ema = new ExponentialMovingAverage([0.0, 10.0], decay: 0.99);
        double[] theta = [1.0, 0.0];
        for (int n = 0; n < 10; n++) ema.Update(theta);
        var shadow = new double[2];
        ema.CopyTo(shadow);
        Assert.Equal(1 - Math.Pow(0.99, 10), shadow[0], 1e-14);
        Assert.Equal(10 * Math.Pow(0.99, 10), shadow[1], 1e-13);
        Assert.Equal(10, ema.UpdateCount);
    }

    [Fact]
    public void WarmUp_UsesMinOfDecayAndOnePlusNOverTenPlusN()
    {
        var ema = new ExponentialMovingAverage([0.0], decay: 0.99, warmUp: true);
        Assert.Equal(0.1, ema.CurrentDecay, 1e-15);               // n = 0: 1/10
        ema.Update([1.0]);
        Assert.Equal(0.9, ema.Shadow[0], 1e-15);                  // 0.1·0 + 0.9·1
        Assert.Equal(2.0 / 11, ema.CurrentDecay, 1e-15);          // n = 1
        for (int n = 1; n < 1000; n++) ema.Update([1.0]);
        Assert.Equal(0.99, ema.CurrentDecay);                      // (1+n)/(10+n) > 0.99 once n > 890
    }

    [Fact]
    public void ExportedState_ResumesToIdenticalAverage()
    {
        var a = new ExponentialMovingAverage([1.0, 2.0], warmUp: true);
        for (int k = 0; k < 5; k++) a.Update([k, -k]);
        var b = new ExponentialMovingAverage([0.0, 0.0], warmUp: true);
        b.ImportState(a.ExportState());
        for (int k = 5; k < 9; k++) { a.Update([k, -k]); b.Update([k, -k]); }
        Assert.Equal(a.Shadow.ToArray(), b.Shadow.ToArray());
        Assert.Equal(a.UpdateCount, b.UpdateCount);
    }
}

public class LearningRateScheduleTests
{
    [Fact]
    public void LinearWarmup_RisesFromStartFactorToInitialRate()
    {
        var s = new LearningRateSchedule(new() { InitialLearningRate = 0.01, WarmupEpochs = 4, WarmupStartFactor = 0.2 });
        Assert.Equal(0.002, s.LearningRate(0), 1e-17);
        Assert.Equal(0.01 * (0.2 + 0.8 * 0.5), s.LearningRate(2), 1e-17);
        Assert.Equal(0.01, s.LearningRate(4), 1e-17);
        Assert.Equal(0.01, s.LearningRate(100), 1e-17);
    }

    [Fact]
    public void Cosine_FallsFromInitialRateToFloorAfterWarmup()
    {
        var s = new LearningRateSchedule(new() { InitialLearningRate = 1e-2, MinLearningRate = 1e-4, Annealing = LearningRateAnnealing.Cosine, TotalEpochs = 102, WarmupEpochs = 2 });
        Assert.Equal(1e-2, s.LearningRate(2), 1e-17);
        Assert.Equal((1e-2 + 1e-4) / 2, s.LearningRate(52), 1e-17);   // half way: cos(π/2) = 0
        Assert.Equal(1e-4, s.LearningRate(102), 1e-17);
        Assert.Equal(1e-4, s.LearningRate(500), 1e-17);
        Assert.True(s.LearningRate(1) < 1e-2);                       // still warming up
        for (int e = 3; e <= 102; e++) Assert.True(s.LearningRate(e) <= s.LearningRate(e - 1));
    }

    [Fact]
    public void Plateau_ReducesAfterPatiencePlusOneBadEpochs_DownToMinimum()
    {
        var s = new LearningRateSchedule(new() { InitialLearningRate = 1.0, MinLearningRate = 0.3, Annealing = LearningRateAnnealing.ReduceOnPlateau, PlateauFactor = 0.5, PlateauPatience = 2 });
        Assert.False(s.EndEpoch(0, 1.0));      // first observation is the best
        Assert.False(s.EndEpoch(1, 1.0));      // bad 1
        Assert.False(s.EndEpoch(2, 0.99995));  // bad 2: within the 1e-4 relative threshold
        Assert.True(s.EndEpoch(3, 1.0));       // bad 3 > patience → η = 0.5
        Assert.Equal(0.5, s.LearningRate(4));
        Assert.False(s.EndEpoch(4, 0.5));      // real improvement resets the count
        Assert.False(s.EndEpoch(5, 0.6));
        Assert.False(s.EndEpoch(6, 0.6));
        Assert.True(s.EndEpoch(7, 0.6));       // η = max(0.25, 0.3)
        Assert.Equal(0.3, s.LearningRate(8));
        for (int e = 8; e < 20; e++) Assert.False(s.EndEpoch(e, 0.6));   // already at the floor
        Assert.Equal(0.3, s.LearningRate(20));
        Assert.Equal(2, s.Reductions);
    }

    [Fact]
    public void Plateau_IgnoresEpochsInsideWarmup_AndHonoursCooldown()
    {
        var s = new LearningRateSchedule(new() { InitialLearningRate = 1.0, Annealing = LearningRateAnnealing.ReduceOnPlateau, PlateauFactor = 0.5, PlateauPatience = 0, PlateauCooldown = 2, WarmupEpochs = 2 });
        Assert.False(s.EndEpoch(0, 5));  // in warm-up
        Assert.False(s.EndEpoch(1, 5));  // ends exactly at warm-up end: still ignored
        Assert.False(s.EndEpoch(2, 1));  // first counted observation = best
        Assert.True(s.EndEpoch(3, 1));   // patience 0: one bad epoch reduces
        Assert.False(s.EndEpoch(4, 1));  // cool-down 2
        Assert.False(s.EndEpoch(5, 1));
        Assert.True(s.EndEpoch(6, 1));
        Assert.Equal(0.25, s.LearningRate(7));
    }

    [Fact]
    public void ExportedState_ResumesToIdenticalRates()
    {
        var opts = new LearningRateScheduleOptions { InitialLearningRate = 1.0, Annealing = LearningRateAnnealing.ReduceOnPlateau, PlateauPatience = 1, PlateauFactor = 0.5 };
        double[] losses = [3, 2, 2, 2, 1.5, 1.6, 1.6, 1.6, 1.6, 1.0];
        var a = new LearningRateSchedule(opts);
        for (int e = 0; e < 5; e++) a.EndEpoch(e, losses[e]);
        var b = new LearningRateSchedule(opts);
        b.ImportState(a.ExportState());
        for (int e = 5; e < losses.Length; e++)
        {
            Assert.Equal(a.EndEpoch(e, losses[e]), b.EndEpoch(e, losses[e]));
            Assert.Equal(a.LearningRate(e + 1), b.LearningRate(e + 1));
        }
        Assert.Equal(a.ExportState(), b.ExportState());
    }
}

public class GradientClippingAndEarlyStoppingTests
{
    [Fact]
    public void Clipping_RescalesToMaxNormKeepingDirection_AndReturnsNormBefore()
    {
        double[] g = [3.0, 4.0];
        Assert.Equal(5.0, GradientClipping.ClipByGlobalNorm(g, 1.0));
        Assert.Equal(0.6, g[0], 1e-15);
        Assert.Equal(0.8, g[1], 1e-15);
        Assert.Equal(1.0, GradientClipping.GlobalNorm(g), 1e-15);
    }

    [Fact]
    public void Clipping_LeavesSmallAndNonFiniteGradientsUntouched()
    {
        double[] small = [0.1, -0.2];
        Assert.Equal(Math.Sqrt(0.05), GradientClipping.ClipByGlobalNorm(small, 1.0), 1e-16);
        Assert.Equal([0.1, -0.2], small);
        double[] bad = [double.NaN, 1.0];
        Assert.True(double.IsNaN(GradientClipping.ClipByGlobalNorm(bad, 1.0)));
        Assert.Equal(1.0, bad[1]);
    }

    [Fact]
    public void EarlyStopping_StopsAfterPatienceEpochsWithoutImprovement_RemembersBest()
    {
        var stop = new EarlyStopping(patience: 3, minDelta: 0.01);
        double[] losses = [5, 4, 4.2, 3.995, 3.5, 3.6, double.NaN, 3.7];
        bool[] newBest = [true, true, false, false, true, false, false, false];
        for (int e = 0; e < losses.Length; e++)
        {
            Assert.Equal(newBest[e], stop.Observe(e, losses[e]));
            Assert.Equal(e == losses.Length - 1, stop.ShouldStop);
        }
        Assert.Equal(4, stop.BestEpoch);
        Assert.Equal(3.5, stop.BestLoss);

        var resumed = new EarlyStopping(3, 0.01);
        resumed.ImportState(stop.ExportState());
        Assert.True(resumed.ShouldStop);
        Assert.Equal(4, resumed.BestEpoch);
    }
}
