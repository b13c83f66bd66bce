// Instantiates the LRNN evaluation templates for one scalar type.
#include "models/lrnn.hpp"

PARALLAX_LRNN_INSTANCES(, float)
PARALLAX_LRNN_STATES_INSTANCES(, float)
