! Using an MlipEngine potential from Fortran through libmlip's C ABI (include/mlip.h) with
! iso_c_binding. Build (see examples/fortran/README.md):
!   gfortran -O2 mlip_example.f90 -L$LIBMLIP -lmlip -Wl,-rpath,$LIBMLIP -o mlip_example
! Run: ./mlip_example POTENTIAL INPUT   (INPUT as for tests/native/test_mlip.c; first system only)
! Prints "energy E", "stress ..." and one "force fx fy fz e_atom" line per atom.
module mlip
  use iso_c_binding
  implicit none
  integer(c_int), parameter :: MLIP_OK = 0, MLIP_ENERGY = 1, MLIP_ATOM_ENERGIES = 2, &
                               MLIP_FORCES = 4, MLIP_STRESS = 8, MLIP_ALL = 15
  interface
    integer(c_int) function mlip_create(potential, handle) bind(C, name="mlip_create")
      import :: c_int, c_char, c_ptr
      character(kind=c_char), dimension(*), intent(in) :: potential
      type(c_ptr), intent(out) :: handle
    end function
    ! positions(3, natoms) in Fortran order is x,y,z per atom contiguous: the C layout natoms*3.
    ! cell(3,3): column a of the Fortran array is lattice vector a, i.e. C's rows.
    integer(c_int) function mlip_compute(handle, natoms, species, positions, cell, pbc, flags, &
                                         energy, forces, stress, atom_energies) bind(C, name="mlip_compute")
      import :: c_int, c_double, c_ptr
      type(c_ptr), value :: handle
      integer(c_int), value :: natoms, flags
      integer(c_int), intent(in) :: species(*), pbc(3)
      real(c_double), intent(in) :: positions(3, *), cell(3, 3)
      real(c_double), intent(out) :: energy, forces(3, *), stress(3, 3), atom_energies(*)
    end function
    type(c_ptr) function mlip_last_error(handle) bind(C, name="mlip_last_error")
      import :: c_ptr
      type(c_ptr), value :: handle
    end function
    subroutine mlip_free(handle) bind(C, name="mlip_free")
      import :: c_ptr
      type(c_ptr), value :: handle
    end subroutine
  end interface
contains
  ! The library's last error message as a Fortran string.
  function last_error(handle) result(msg)
    type(c_ptr), intent(in) :: handle
    character(len=:), allocatable :: msg
    character(kind=c_char), pointer :: chars(:)
    type(c_ptr) :: p
    integer :: n
    p = mlip_last_error(handle)
    if (.not. c_associated(p)) then
      msg = '(no message)'
      return
    end if
    call c_f_pointer(p, chars, [4096])
    n = 0
    do while (chars(n + 1) /= c_null_char .and. n < 4096)
      n = n + 1
    end do
    allocate(character(len=n) :: msg)
    msg = transfer(chars(1:n), msg)
  end function
end module

program mlip_example
  use mlip
  implicit none
  character(len=4096) :: potential, input
  type(c_ptr) :: h
  integer(c_int) :: nsys, natoms, pbc(3), rc, i
  integer(c_int), allocatable :: species(:)
  real(c_double) :: cell(3, 3), energy, stress(3, 3)
  real(c_double), allocatable :: positions(:, :), forces(:, :), atom_energies(:)

  call get_command_argument(1, potential)
  call get_command_argument(2, input)
  open(10, file=trim(input), status='old', action='read')
  read(10, *) nsys
  read(10, *) natoms
  read(10, *) cell          ! 9 numbers, lattice vectors one after the other = columns here
  read(10, *) pbc
  allocate(species(natoms), positions(3, natoms), forces(3, natoms), atom_energies(natoms))
  do i = 1, natoms
    read(10, *) species(i), positions(:, i)
  end do
  close(10)

  rc = mlip_create(trim(potential) // c_null_char, h)
  if (rc /= MLIP_OK) then
    print '(a)', 'mlip_create failed: ' // last_error(c_null_ptr)
    stop 1
  end if
  rc = mlip_compute(h, natoms, species, positions, cell, pbc, MLIP_ALL, energy, forces, stress, atom_energies)
  if (rc /= MLIP_OK) then
    print '(a)', 'mlip_compute failed: ' // last_error(h)
    stop 1
  end if
  print '(a, es25.17)', 'energy ', energy
  print '(a, 9es25.17)', 'stress ', stress   ! symmetric, so Fortran's column order does not matter
  do i = 1, natoms
    print '(a, 4es25.17)', 'force ', forces(:, i), atom_energies(i)
  end do
  call mlip_free(h)
end program
