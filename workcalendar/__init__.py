"""The working-day clock (工作日): the State Council's holiday schedule, later years entered by an
administrator, and each centre's own closure days. Public schema."""
