namespace MlipEngine.Potentials.ManyBody;

/// <summary>
/// One thread's scratch list of the neighbors of the current atom i that lie within the actual
/// interaction cutoff (the Verlet list also holds the skin): neighbor atom, its type, the
/// displacement d = r_j − r_i (Å), its length r and unit vector u, the gradient ∂E/∂d accumulated
/// by every term, and <c>auxCount</c> extra per-neighbor arrays for the kernel. Arrays only grow.
/// </summary>
internal sealed class ShortNeighborList
{
    public int Count;
    public int[] J = [], Type = [];
    public double[] Dx = [], Dy = [], Dz = [], R = [], Ux = [], Uy = [], Uz = [], Gx = [], Gy = [], Gz = [];
    public readonly double[][] Aux;

    public ShortNeighborList(int auxCount)
    {
        Aux = new double[auxCount][];
        for (int a = 0; a < auxCount; a++) Aux[a] = [];
    }

    public void EnsureCapacity(int n)
    {
        if (J.Length >= n) return;
        n = Math.Max(n, 2 * J.Length);
        J = new int[n]; Type = new int[n];
        Dx = new double[n]; Dy = new double[n]; Dz = new double[n]; R = new double[n];
        Ux = new double[n]; Uy = new double[n]; Uz = new double[n];
        Gx = new double[n]; Gy = new double[n]; Gz = new double[n];
        for (int a = 0; a < Aux.Length; a++) Aux[a] = new double[n];
    }

    /// <summary>Appends a neighbor and zeroes its gradient.</summary>
    public void Add(int j, int type, double dx, double dy, double dz, double r)
    {
        int n = Count++;
        J[n] = j; Type[n] = type;
        Dx[n] = dx; Dy[n] = dy; Dz[n] = dz; R[n] = r;
        double inv = 1.0 / r;
        Ux[n] = dx * inv; Uy[n] = dy * inv; Uz[n] = dz * inv;
        Gx[n] = 0; Gy[n] = 0; Gz[n] = 0;
    }
}
