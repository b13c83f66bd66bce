#pragma once
// Every scalar type of the numeric module and the Precision spec.
#include "numeric/big_float.hpp"
#include "numeric/context.hpp"
#include "numeric/emu_float.hpp"
#include "numeric/exact.hpp"
#include "numeric/fixed.hpp"
#include "numeric/interval.hpp"
#include "numeric/precision.hpp"
#include "numeric/scalar_traits.hpp"
