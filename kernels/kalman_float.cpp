// Instantiates the Kalman smoothers for one scalar type.
#include "kernels/kalman.hpp"

PARALLAX_KALMAN_INSTANCES(, float)
