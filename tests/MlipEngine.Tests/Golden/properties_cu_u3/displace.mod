# One ±up deformation along Voigt direction ${dir}, atoms relaxed, as LAMMPS' examples/ELASTIC/displace.mod.
if "${dir} == 1" then "variable len0 equal ${lx0}"
if "${dir} == 2" then "variable len0 equal ${ly0}"
if "${dir} == 3" then "variable len0 equal ${lz0}"
if "${dir} == 4" then "variable len0 equal ${lz0}"
if "${dir} == 5" then "variable len0 equal ${lz0}"
if "${dir} == 6" then "variable len0 equal ${ly0}"

# negative deformation
clear
box tilt large
read_restart restart.equil
pair_style ${pstyle}
pair_coeff ${pcoeff}
neighbor 1.0 nsq
thermo_style custom step pe press pxx pyy pzz pyz pxz pxy
min_modify dmax 1.0e-2 line quadratic
variable delta equal -${up}*${len0}
variable deltaxy equal -${up}*xy
variable deltaxz equal -${up}*xz
variable deltayz equal -${up}*yz
if "${dir} == 1" then "change_box all x delta 0 ${delta} xy delta ${deltaxy} xz delta ${deltaxz} remap units box"
if "${dir} == 2" then "change_box all y delta 0 ${delta} yz delta ${deltayz} remap units box"
if "${dir} == 3" then "change_box all z delta 0 ${delta} remap units box"
if "${dir} == 4" then "change_box all yz delta ${delta} remap units box"
if "${dir} == 5" then "change_box all xz delta ${delta} remap units box"
if "${dir} == 6" then "change_box all xy delta ${delta} remap units box"
minimize ${etol} ${ftol} ${maxiter} ${maxeval}
variable d1 equal -(pxx-${pxx0})/(v_delta/v_len0)*${cfac}
variable d2 equal -(pyy-${pyy0})/(v_delta/v_len0)*${cfac}
variable d3 equal -(pzz-${pzz0})/(v_delta/v_len0)*${cfac}
variable d4 equal -(pyz-${pyz0})/(v_delta/v_len0)*${cfac}
variable d5 equal -(pxz-${pxz0})/(v_delta/v_len0)*${cfac}
variable d6 equal -(pxy-${pxy0})/(v_delta/v_len0)*${cfac}
variable C1neg equal $(v_d1:%.14g)
variable C2neg equal $(v_d2:%.14g)
variable C3neg equal $(v_d3:%.14g)
variable C4neg equal $(v_d4:%.14g)
variable C5neg equal $(v_d5:%.14g)
variable C6neg equal $(v_d6:%.14g)

# positive deformation
clear
box tilt large
read_restart restart.equil
pair_style ${pstyle}
pair_coeff ${pcoeff}
neighbor 1.0 nsq
thermo_style custom step pe press pxx pyy pzz pyz pxz pxy
min_modify dmax 1.0e-2 line quadratic
variable delta equal ${up}*${len0}
variable deltaxy equal ${up}*xy
variable deltaxz equal ${up}*xz
variable deltayz equal ${up}*yz
if "${dir} == 1" then "change_box all x delta 0 ${delta} xy delta ${deltaxy} xz delta ${deltaxz} remap units box"
if "${dir} == 2" then "change_box all y delta 0 ${delta} yz delta ${deltayz} remap units box"
if "${dir} == 3" then "change_box all z delta 0 ${delta} remap units box"
if "${dir} == 4" then "change_box all yz delta ${delta} remap units box"
if "${dir} == 5" then "change_box all xz delta ${delta} remap units box"
if "${dir} == 6" then "change_box all xy delta ${delta} remap units box"
minimize ${etol} ${ftol} ${maxiter} ${maxeval}
variable C1pos equal $(v_d1:%.14g)
variable C2pos equal $(v_d2:%.14g)
variable C3pos equal $(v_d3:%.14g)
variable C4pos equal $(v_d4:%.14g)
variable C5pos equal $(v_d5:%.14g)
variable C6pos equal $(v_d6:%.14g)

# combine (ELASTIC: symmetrised by averaging Cij and Cji at the end)
variable C1${dir} equal $((v_C1neg+v_C1pos)*0.5:%.12g)
variable C2${dir} equal $((v_C2neg+v_C2pos)*0.5:%.12g)
variable C3${dir} equal $((v_C3neg+v_C3pos)*0.5:%.12g)
variable C4${dir} equal $((v_C4neg+v_C4pos)*0.5:%.12g)
variable C5${dir} equal $((v_C5neg+v_C5pos)*0.5:%.12g)
variable C6${dir} equal $((v_C6neg+v_C6pos)*0.5:%.12g)
